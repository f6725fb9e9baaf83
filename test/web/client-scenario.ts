// The client scenario every runtime runs against our Node server and a ws-package server: open a
// WebSocketStream, echo text and binary messages of the sizes below (up to 16 MiB, every length-encoding
// boundary of RFC 6455 section 5.2 on the way), then close with a code and a reason. Runtime-neutral: the
// workerd Worker, the Deno script and the Node test all import it, each with its own WebSocketStream.
// Returns a report; the caller asserts on it and on what the server saw.

/**
 * The WebSocketStream shape the scenario uses: structural, so that the class from the sources and the one
 * a runtime loads from dist/ both fit.
 */
export interface WebSocketStreamLike {
  readonly opened: Promise<{
    readable: ReadableStream<unknown>;
    writable: WritableStream<string | Uint8Array>;
    protocol: string;
    extensions: string;
  }>;
  readonly closed: Promise<{ closeCode: number; reason: string }>;
  close(info?: { closeCode?: number; reason?: string }): void;
}

export type WebSocketStreamConstructor = new (url: string, options?: { protocols?: string[] }) => WebSocketStreamLike;

export const SCENARIO_PROTOCOL = 'echo.v1';

/** Payload sizes: empty, 7-bit length, 16-bit length boundaries, 64-bit length, then large messages. */
export const ECHO_SIZES: readonly number[] = [0, 1, 125, 126, 65_535, 65_536, 1024 * 1024, 16 * 1024 * 1024];

export const SCENARIO_CLOSE = { closeCode: 4001, reason: 'scenario done ✓' } as const;

export interface EchoOutcome {
  kind: 'text' | 'binary';
  bytes: number;
  ok: boolean;
  detail?: string;
}

export interface ScenarioReport {
  protocol: string;
  extensions: string;
  echoes: EchoOutcome[];
  closed: { closeCode: number; reason: string } | { error: string };
}

/** Deterministic bytes of a given length: no two neighbouring 256-byte blocks alike. */
export function binaryPayload(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + (i >>> 8)) & 0xff;
  return bytes;
}

const TEXT_UNIT = 'héllo wörld ✓ 🙂 '; // 1-, 2-, 3- and 4-byte UTF-8 sequences

/** Text of exactly `length` UTF-8 bytes (ASCII padding after the last whole unit). */
export function textPayload(length: number): string {
  const unitBytes = new TextEncoder().encode(TEXT_UNIT).length;
  const whole = Math.floor(length / unitBytes);
  return TEXT_UNIT.repeat(whole) + 'x'.repeat(length - whole * unitBytes);
}

function sameBytes(a: Uint8Array, b: Uint8Array): string | undefined {
  if (a.length !== b.length) return `length ${b.length}, expected ${a.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i} differs`;
  return undefined;
}

export async function runClientScenario(
  WebSocketStream: WebSocketStreamConstructor,
  url: string,
  sizes: readonly number[] = ECHO_SIZES,
): Promise<ScenarioReport> {
  const stream = new WebSocketStream(url, { protocols: [SCENARIO_PROTOCOL] });
  const { readable, writable, protocol, extensions } = await stream.opened;
  const reader = readable.getReader();
  const writer = writable.getWriter();
  const echoes: EchoOutcome[] = [];
  for (const bytes of sizes) {
    for (const kind of ['text', 'binary'] as const) {
      const sent = kind === 'text' ? textPayload(bytes) : binaryPayload(bytes);
      await writer.write(sent);
      const { value, done } = await reader.read();
      let detail: string | undefined;
      if (done) detail = 'the readable ended';
      else if (kind === 'text') {
        if (typeof value !== 'string') detail = `a ${typeof value} instead of a string`;
        else if (value !== sent) detail = `text of ${value.length} chars differs`;
      } else if (!(value instanceof Uint8Array)) detail = 'not a Uint8Array';
      else detail = sameBytes(sent as Uint8Array, value);
      echoes.push({ kind, bytes, ok: detail === undefined, ...(detail === undefined ? {} : { detail }) });
    }
  }
  writer.releaseLock();
  reader.releaseLock();
  stream.close(SCENARIO_CLOSE);
  try {
    const closed = await stream.closed;
    return { protocol, extensions, echoes, closed: { closeCode: closed.closeCode, reason: closed.reason } };
  } catch (error) {
    return { protocol, extensions, echoes, closed: { error: String(error) } };
  }
}
