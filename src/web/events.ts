// The event classes the WHATWG WebSocket dispatches, and `on<type>` handler attributes. MessageEvent and
// CloseEvent are the runtime's where it has them (browsers, workerd, Deno); Node 20 has no CloseEvent,
// so a minimal one with the standard's fields stands in.

export interface CloseEventInit extends EventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

class CloseEventFallback extends Event {
  readonly wasClean: boolean;
  readonly code: number;
  readonly reason: string;

  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.wasClean = init.wasClean ?? false;
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
  }
}

type CloseEventClass = new (
  type: string,
  init?: CloseEventInit,
) => Event & {
  readonly wasClean: boolean;
  readonly code: number;
  readonly reason: string;
};

export const CloseEventClass: CloseEventClass =
  (globalThis as { CloseEvent?: CloseEventClass }).CloseEvent ?? CloseEventFallback;

type MessageEventClass = new (
  type: string,
  init?: { data?: unknown; origin?: string },
) => Event & {
  readonly data: unknown;
};

class MessageEventFallback extends Event {
  readonly data: unknown;
  readonly origin: string;

  constructor(type: string, init: { data?: unknown; origin?: string } = {}) {
    super(type);
    this.data = init.data;
    this.origin = init.origin ?? '';
  }
}

export const MessageEventClass: MessageEventClass =
  (globalThis as { MessageEvent?: MessageEventClass }).MessageEvent ?? MessageEventFallback;

export type EventHandler = ((this: EventTarget, event: Event) => unknown) | null;

/** The message event as a handler sees it: data is a string, or an ArrayBuffer or Blob by binaryType. */
export interface WebSocketMessageEvent extends Event {
  readonly data: string | ArrayBuffer | Blob;
  readonly origin: string;
}

/** The close event as a handler sees it (CloseEvent's fields). */
export interface WebSocketCloseEvent extends Event {
  readonly wasClean: boolean;
  readonly code: number;
  readonly reason: string;
}

/**
 * Defines `on<type>` on an EventTarget prototype: setting a function registers it as a listener (in the
 * position of the first assignment, as the standard's event handlers are), setting null removes it.
 */
export function defineEventHandlers(prototype: EventTarget, types: readonly string[]): void {
  const stores = new WeakMap<EventTarget, Map<string, { handler: EventHandler; listener: EventListener }>>();
  for (const type of types) {
    Object.defineProperty(prototype, `on${type}`, {
      configurable: true,
      enumerable: true,
      get(this: EventTarget): EventHandler {
        return stores.get(this)?.get(type)?.handler ?? null;
      },
      set(this: EventTarget, handler: EventHandler) {
        let store = stores.get(this);
        if (store === undefined) {
          store = new Map();
          stores.set(this, store);
        }
        const entry = store.get(type);
        const callable = typeof handler === 'function' ? handler : null;
        if (entry !== undefined) {
          if (callable === null) {
            this.removeEventListener(type, entry.listener);
            store.delete(type);
          } else {
            entry.handler = callable;
          }
          return;
        }
        if (callable === null) return;
        const record = {
          handler: callable,
          listener: (event: Event) => {
            record.handler?.call(this, event);
          },
        };
        store.set(type, record);
        this.addEventListener(type, record.listener);
      },
    });
  }
}
