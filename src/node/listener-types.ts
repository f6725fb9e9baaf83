// Listener types for the per-event signatures of on/once/off/addListener/removeListener/prependListener/
// prependOnceListener that WebSocket and WebSocketServer declare over EventEmitter's methods (types only):
// an event map names each event's arguments, and any other event, or a listener typed otherwise, falls
// through to EventEmitter's own signature, as in ws's types.

/** A listener of an event whose arguments are `Args`; `this` is the emitter. */
export type Listener<This, Args extends unknown[]> = (this: This, ...args: Args) => void;

/**
 * A listener of any event. Its arguments are `any`, as EventEmitter's are, so that listeners of events
 * outside the map (a server's 'connection' re-emitted with a third argument, as ws's README does after
 * authenticating) keep compiling.
 */
// biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type, which untyped events keep
export type AnyListener<This> = (this: This, ...args: any[]) => void;
