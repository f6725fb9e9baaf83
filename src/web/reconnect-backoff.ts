// The delay before a reconnection attempt: exponential backoff with "full jitter" (each delay drawn
// uniformly between 0 and a cap that grows by `factor` per attempt, up to maxDelayMs). Spreading every
// client's retry over the whole window, rather than around one growing value, is what keeps many
// clients that lost the same server from coming back in waves (AWS Architecture Blog, "Exponential
// Backoff And Jitter", 2015: in its simulation of competing clients, full jitter made the fewest calls
// of the schemes compared).

export interface BackoffSettings {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
}

/** The cap of attempt `attempt` (1 for the first reconnection): min(maxDelayMs, minDelayMs × factor^(attempt − 1)). */
export function backoffCap(attempt: number, settings: BackoffSettings): number {
  // factor ** n may overflow to Infinity for a long outage; the min keeps maxDelayMs.
  return Math.min(settings.maxDelayMs, settings.minDelayMs * settings.factor ** (attempt - 1));
}

/**
 * The delay in whole milliseconds before attempt `attempt`: floor(random × cap). A random source that
 * strays outside [0, 1] (or is not a number) is clamped, so the delay stays within [0, cap].
 */
export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number): number {
  const drawn = random();
  const unit = typeof drawn === 'number' && drawn > 0 ? Math.min(drawn, 1) : 0;
  return Math.floor(unit * backoffCap(attempt, settings));
}
