// The browser-style face of the Node WebSocket, as ws offers it: addEventListener / removeEventListener
// and the onopen, onmessage, onerror and onclose properties, with event objects in place of arguments.

import type { EventEmitter } from 'node:events';

type Listener = ((event: WebSocketEvent) => void) | { handleEvent(event: WebSocketEvent): void };

/** The event objects listeners receive; `target` is the WebSocket. */
export class WebSocketEvent {
  readonly type: string;
  target: unknown = null;

  constructor(type: string) {
    this.type = type;
  }
}

export class MessageEvent extends WebSocketEvent {
  readonly data: unknown;

  constructor(data: unknown) {
    super('message');
    this.data = data;
  }
}

export class CloseEvent extends WebSocketEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;

  constructor(code: number, reason: string, wasClean: boolean) {
    super('close');
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}

export class ErrorEvent extends WebSocketEvent {
  readonly error: unknown;
  readonly message: string;

  constructor(error: Error) {
    super('error');
    this.error = error;
    this.message = error.message;
  }
}

const kHandler = Symbol('wasmsocket listener');
const kAttribute = Symbol('wasmsocket on-attribute');

type Wrapper = ((...args: unknown[]) => void) & { [kHandler]?: Listener; [kAttribute]?: boolean };

interface Closable extends EventEmitter {
  /** True when close frames went both ways (CloseEvent.wasClean). */
  readonly _wasClean: boolean;
}

function makeEvent(type: string, target: Closable, args: unknown[]): WebSocketEvent | null {
  let event: WebSocketEvent;
  switch (type) {
    case 'message': {
      const [data, isBinary] = args as [Buffer, boolean];
      event = new MessageEvent(isBinary ? data : data.toString());
      break;
    }
    case 'close': {
      const [code, reason] = args as [number, Buffer];
      event = new CloseEvent(code, reason.toString(), target._wasClean);
      break;
    }
    case 'error':
      event = new ErrorEvent(args[0] as Error);
      break;
    case 'open':
      event = new WebSocketEvent('open');
      break;
    default:
      return null;
  }
  event.target = target;
  return event;
}

function call(listener: Listener, thisArg: unknown, event: WebSocketEvent): void {
  if (typeof listener === 'function') listener.call(thisArg, event);
  else listener.handleEvent.call(listener, event);
}

export function addEventListener(
  this: Closable,
  type: string,
  listener: Listener,
  options: { once?: boolean; [kAttribute]?: boolean } = {},
): void {
  const asAttribute = Boolean(options[kAttribute]);
  for (const existing of this.listeners(type) as Wrapper[]) {
    if (!asAttribute && existing[kHandler] === listener && !existing[kAttribute]) return;
  }
  if (!['message', 'close', 'error', 'open'].includes(type)) return;
  const wrapper: Wrapper = function (this: Closable, ...args: unknown[]) {
    const event = makeEvent(type, this, args);
    if (event !== null) call(listener, this, event);
  };
  wrapper[kHandler] = listener;
  wrapper[kAttribute] = asAttribute;
  if (options.once) this.once(type, wrapper);
  else this.on(type, wrapper);
}

export function removeEventListener(this: Closable, type: string, listener: Listener): void {
  for (const existing of this.listeners(type) as Wrapper[]) {
    if (existing[kHandler] === listener && !existing[kAttribute]) {
      this.removeListener(type, existing);
      return;
    }
  }
}

/** Defines onopen, onmessage, onerror and onclose on a prototype. */
export function defineEventAttributes(prototype: object): void {
  for (const type of ['open', 'error', 'close', 'message']) {
    Object.defineProperty(prototype, `on${type}`, {
      enumerable: true,
      configurable: true,
      get(this: Closable) {
        for (const existing of this.listeners(type) as Wrapper[]) {
          if (existing[kAttribute]) return existing[kHandler];
        }
        return null;
      },
      set(this: Closable, handler: unknown) {
        for (const existing of this.listeners(type) as Wrapper[]) {
          if (existing[kAttribute]) {
            this.removeListener(type, existing);
            break;
          }
        }
        if (typeof handler !== 'function') return;
        addEventListener.call(this, type, handler as Listener, { [kAttribute]: true });
      },
    });
  }
}
