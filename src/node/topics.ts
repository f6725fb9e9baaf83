// Topics for publish/subscribe on a server: which connections listen to what. A published message is
// prepared (framed, and compressed if asked) once and the same bytes go to every subscriber; a slow
// subscriber meets its connection's backpressure policy, never an unbounded buffer.

import type { PreparedMessage } from '../protocol/prepared-message.js';

/** A subscriber's readyState while it is open (WebSocket.OPEN). */
const OPEN = 1;

/** What a subscriber must offer the registry (the Node WebSocket). */
export interface Subscriber {
  readonly readyState: number;
  _sendPreparedForPublish(message: PreparedMessage, compress: boolean): void;
}

/** Called when a topic gains its first local subscriber, or loses its last (for cross-process adapters). */
export interface TopicHooks {
  topicActive(topic: string): void;
  topicIdle(topic: string): void;
}

export class TopicRegistry<S extends Subscriber = Subscriber> {
  private readonly subscribers = new Map<string, Set<S>>();
  private readonly topicsOf = new Map<S, Set<string>>();
  private readonly hooks: TopicHooks | null;
  private accepting = true;
  /**
   * How many publish loops are running (a send may, in principle, lead to a subscription change before
   * the loop ends). While any is, a topic's set is replaced rather than changed (setFor), so that a loop
   * walks the subscribers as they were when it started without copying them for every publish.
   */
  private publishing = 0;

  constructor(hooks: TopicHooks | null = null) {
    this.hooks = hooks;
  }

  /**
   * Adds `topic` to a subscriber's; false when it already had it, and when it is not open or the registry
   * no longer accepts subscriptions (its server is closing): a subscriber is forgotten once, as it closes
   * (unsubscribeAll), so a subscription made after that (say, after an await during which the client
   * left) would be kept forever, and keep a Redis channel subscribed.
   */
  subscribe(subscriber: S, topic: string): boolean {
    checkTopic(topic);
    if (!this.accepting || subscriber.readyState !== OPEN) return false;
    let set = this.subscribers.get(topic);
    if (set === undefined) {
      set = new Set();
      this.subscribers.set(topic, set);
      this.hooks?.topicActive(topic);
    }
    if (set.has(subscriber)) return false;
    this.setFor(topic, set).add(subscriber);
    let own = this.topicsOf.get(subscriber);
    if (own === undefined) {
      own = new Set();
      this.topicsOf.set(subscriber, own);
    }
    own.add(topic);
    return true;
  }

  unsubscribe(subscriber: S, topic: string): boolean {
    checkTopic(topic);
    const current = this.subscribers.get(topic);
    if (current === undefined || !current.has(subscriber)) return false;
    const set = this.setFor(topic, current);
    set.delete(subscriber);
    if (set.size === 0) {
      this.subscribers.delete(topic);
      this.hooks?.topicIdle(topic);
    }
    const own = this.topicsOf.get(subscriber);
    own?.delete(topic);
    if (own?.size === 0) this.topicsOf.delete(subscriber);
    return true;
  }

  /** The server is closing: no new subscriptions (those made before stay until their connections close). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Removes a subscriber from all its topics (when its connection closes). */
  unsubscribeAll(subscriber: S): void {
    const own = this.topicsOf.get(subscriber);
    if (own === undefined) return;
    for (const topic of [...own]) this.unsubscribe(subscriber, topic);
  }

  isSubscribed(subscriber: S, topic: string): boolean {
    return this.subscribers.get(topic)?.has(subscriber) ?? false;
  }

  subscriberCount(topic: string): number {
    return this.subscribers.get(topic)?.size ?? 0;
  }

  topics(subscriber: S): string[] {
    return [...(this.topicsOf.get(subscriber) ?? [])];
  }

  /** Sends a prepared message to every open subscriber of `topic` but `except`; returns how many got it. */
  publish(topic: string, message: PreparedMessage, compress: boolean, except: S | null): number {
    // Checked here, before the server hands the message to a pub/sub adapter (which would pass it on).
    checkTopic(topic);
    const set = this.subscribers.get(topic);
    if (set === undefined) return 0;
    let sent = 0;
    this.publishing++;
    try {
      for (const subscriber of set) {
        if (subscriber === except || subscriber.readyState !== OPEN) continue;
        subscriber._sendPreparedForPublish(message, compress);
        sent++;
      }
    } finally {
      this.publishing--;
    }
    return sent;
  }

  /** The set of `topic` to change: `set` itself, or while a publish walks it, a copy that takes its place. */
  private setFor(topic: string, set: Set<S>): Set<S> {
    if (this.publishing === 0) return set;
    const copy = new Set(set);
    this.subscribers.set(topic, copy);
    return copy;
  }
}

function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') throw new TypeError(`A topic must be a string, got ${typeof topic}`);
}
