// The topic registry on its own (src/node/topics.ts): a publish walks the subscribers as they were when it
// started, however they change while it runs, without copying them for each publish. The subscribers
// here are stand-ins whose sends change subscriptions, which a WebSocket's send does not do today but
// a future path (a refusal's close, an adapter) might.

import { describe, expect, it } from 'vitest';
import { type Subscriber, TopicRegistry } from '../../src/node/topics.ts';
import type { PreparedMessage } from '../../src/protocol/prepared-message.ts';

class StandIn implements Subscriber {
  readyState = 1;
  readonly got: PreparedMessage[] = [];
  onSend: (() => void) | null = null;
  _sendPreparedForPublish(message: PreparedMessage): void {
    this.got.push(message);
    this.onSend?.();
  }
}

const message = (n: number) => ({ n }) as unknown as PreparedMessage;

describe('TopicRegistry.publish', () => {
  it('delivers to the subscribers of when it started, while a send subscribes and unsubscribes others', () => {
    const registry = new TopicRegistry<StandIn>();
    const [a, b, c, d] = Array.from({ length: 4 }, () => new StandIn());
    for (const s of [a, b, c]) registry.subscribe(s, 't');
    a.onSend = () => {
      registry.unsubscribe(c, 't');
      registry.subscribe(d, 't');
      registry.unsubscribe(a, 't');
    };
    expect(registry.publish('t', message(1), false, null)).toBe(3);
    expect([a, b, c, d].map((s) => s.got.length)).toEqual([1, 1, 1, 0]);
    // The changes made during the publish hold for the next one.
    a.onSend = null;
    expect(registry.subscriberCount('t')).toBe(2);
    expect(registry.publish('t', message(2), false, null)).toBe(2);
    expect([a, b, c, d].map((s) => s.got.length)).toEqual([1, 2, 1, 1]);
    expect(registry.isSubscribed(c, 't')).toBe(false);
    expect(registry.isSubscribed(d, 't')).toBe(true);
  });

  it('skips the excluded subscriber and those no longer open, and forgets a topic whose last subscriber left mid-publish', () => {
    const idle: string[] = [];
    const registry = new TopicRegistry<StandIn>({ topicActive: () => {}, topicIdle: (topic) => idle.push(topic) });
    const [a, b, c] = Array.from({ length: 3 }, () => new StandIn());
    for (const s of [a, b, c]) registry.subscribe(s, 't');
    b.readyState = 2;
    expect(registry.publish('t', message(1), false, a)).toBe(1);
    expect([a, b, c].map((s) => s.got.length)).toEqual([0, 0, 1]);
    c.onSend = () => {
      for (const s of [a, b, c]) registry.unsubscribe(s, 't');
    };
    expect(registry.publish('t', message(2), false, null)).toBe(2);
    expect([a, b, c].map((s) => s.got.length)).toEqual([1, 0, 2]);
    expect(idle).toEqual(['t']);
    expect(registry.subscriberCount('t')).toBe(0);
    expect(registry.publish('t', message(3), false, null)).toBe(0);
  });

  it('publishes within a publish (a send that publishes) from the set as it then is', () => {
    const registry = new TopicRegistry<StandIn>();
    const [a, b] = Array.from({ length: 2 }, () => new StandIn());
    registry.subscribe(a, 't');
    let inner = 0;
    a.onSend = () => {
      a.onSend = null;
      registry.subscribe(b, 't');
      inner = registry.publish('t', message(2), false, null);
    };
    expect(registry.publish('t', message(1), false, null)).toBe(1);
    expect(inner).toBe(2);
    expect(a.got.map((m) => (m as unknown as { n: number }).n)).toEqual([1, 2]);
    expect(b.got.map((m) => (m as unknown as { n: number }).n)).toEqual([2]);
  });
});
