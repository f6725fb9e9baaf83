// The browser-style face of the Node WebSocket, as ws offers it: addEventListener / removeEventListener
// and the onopen, onmessage, onerror and onclose properties, with event objects in place of arguments.

import type { EventEmitter } from 'node:events';
import type { Data } from './message-data.js';
import type { WebSocket } from './websocket.js';

type Listener = ((event: WebSocketEvent) => void) | { handleEvent(event: WebSocketEvent): void };

/** The event objects listeners receive; `target` is the WebSocket. */
export class WebSocketEvent {
  readonly type: string;
  /** The WebSocket that dispatches the event: set before any listener sees it. */
  target = null as unknown as WebSocket;

  constructor(type: string) {
    this.type = type;
  }
}

export class MessageEvent extends WebSocketEvent {
  readonly data: Data;

  constructor(data: Data) {
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
  /** The Error (typed `any`, as ws's types have it, so handlers that read fields like `code` compile). */
  // biome-ignore lint/suspicious/noExplicitAny: ws's type for it, kept for code written against ws
  readonly error: any;
  readonly message: string;

  constructor(error: Error) {
    super('error');
    this.error = error;
    this.message = error.message;
  }
}

/** ws's name for the plain event ('open'). */
export type Event = WebSocketEvent;

/** The events of the EventTarget face and the event objects their listeners receive. */
export interface WebSocketEventMap {
  open: WebSocketEvent;
  error: ErrorEvent;
  close: CloseEvent;
  message: MessageEvent;
}

/** addEventListener's options (ws's: only `once`). */
export interface EventListenerOptions {
  once?: boolean | undefined;
}

/** A listener of the EventTarget face: a function or an object with handleEvent. */
export type WebSocketEventListener<K extends keyof WebSocketEventMap> =
  | ((event: WebSocketEventMap[K]) => void)
  | { handleEvent(event: WebSocketEventMap[K]): void };

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
  // The face is installed on WebSocket.prototype only (websocket.ts), so the target is a WebSocket.
  event.target = target as unknown as WebSocket;
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
