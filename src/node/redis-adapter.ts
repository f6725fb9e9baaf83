// Fan-out across processes over Redis pub/sub, on the `redis` package (node-redis 5 or 6): each server
// process publishes what it publishes locally to one Redis channel per topic, and subscribes to the
// channels of the topics its own connections subscribe to. A process delivers its own publishes locally
// at once and ignores their echo from Redis, so a lost Redis connection never stops local delivery.
//
// Ordering: Redis pub/sub keeps the order of messages from one publishing connection, and each process
// publishes over one connection, so every subscriber sees one publisher's messages on a topic in order.
// Delivery across processes is at most once, as Redis pub/sub is: while a process's subscriber is
// disconnected it misses what others publish; node-redis reconnects and subscribes again by itself, and
// queues this process's own publishes while offline (its offline queue) to send them on reconnection.

import { randomBytes } from 'node:crypto';
import { hasMethods, isFunction, isObjectOf, isString, type OptionRules } from '../protocol/option-checks.js';
import type { PublishOptions, PubSubAdapter, RemoteMessage } from './pubsub-adapter.js';

/** The part of a node-redis client the publishing side uses. */
export interface RedisPublisher {
  publish(channel: string, message: Buffer): Promise<unknown>;
}

/** The part of a node-redis client the subscribing side uses (a client in subscriber mode). */
export interface RedisSubscriber {
  subscribe(channel: string, listener: (message: Buffer, channel: Buffer) => void, bufferMode: true): Promise<unknown>;
  unsubscribe(
    channel: string,
    listener?: (message: Buffer, channel: Buffer) => void,
    bufferMode?: true,
  ): Promise<unknown>;
}

export interface RedisAdapterOptions {
  /** A connected client for publishing (`createClient(...)` then `connect()`). */
  publisher: RedisPublisher;
  /** Another connected client, dedicated to subscriptions (`publisher.duplicate()` then `connect()`). */
  subscriber: RedisSubscriber;
  /** Prefix of the Redis channel names (default 'wasmsocket:'); servers that share topics share it. */
  channelPrefix?: string;
  /** Where Redis command failures go (default: ignored; node-redis reports connection errors itself). */
  onError?: (error: unknown) => void;
}

export const REDIS_ADAPTER_RULES: OptionRules<RedisAdapterOptions> = {
  publisher: hasMethods('publish'),
  subscriber: hasMethods('subscribe', 'unsubscribe'),
  channelPrefix: isString,
  onError: isFunction,
};

const isRedisAdapterOptions = isObjectOf(REDIS_ADAPTER_RULES, ['publisher', 'subscriber']);

// Wire format of a message on a channel: 1 flags byte, 16 bytes of the publishing process's id, payload.
const FLAG_BINARY = 0x1;
const FLAG_COMPRESS = 0x2;
const ORIGIN_BYTES = 16;
const HEADER_BYTES = 1 + ORIGIN_BYTES;

export class RedisAdapter implements PubSubAdapter {
  private readonly publisher: RedisPublisher;
  private readonly subscriber: RedisSubscriber;
  private readonly prefix: string;
  private readonly onError: (error: unknown) => void;
  /** Identifies this process's messages, whose echo it ignores. */
  private readonly origin = randomBytes(ORIGIN_BYTES);
  private deliver: ((message: RemoteMessage) => void) | null = null;
  private closed = false;
  /** The topics whose channels this adapter has subscribed to (and not unsubscribed since). */
  private readonly topics = new Set<string>();
  private readonly listener = (message: Buffer, channel: Buffer) => this.receive(message, channel);

  constructor(options: RedisAdapterOptions) {
    isRedisAdapterOptions.check(options, 'options');
    this.publisher = options.publisher;
    this.subscriber = options.subscriber;
    this.prefix = options.channelPrefix ?? 'wasmsocket:';
    this.onError = options.onError ?? (() => {});
  }

  attach(deliver: (message: RemoteMessage) => void): void {
    this.deliver = deliver;
  }

  publish(topic: string, data: Uint8Array, options: Required<PublishOptions>): void {
    if (this.closed) return;
    const message = Buffer.allocUnsafe(HEADER_BYTES + data.length);
    message[0] = (options.binary ? FLAG_BINARY : 0) | (options.compress ? FLAG_COMPRESS : 0);
    this.origin.copy(message, 1);
    message.set(data, HEADER_BYTES);
    this.publisher.publish(this.prefix + topic, message).catch(this.onError);
  }

  subscribe(topic: string): void {
    if (this.closed || this.topics.has(topic)) return;
    this.topics.add(topic);
    this.subscriber.subscribe(this.prefix + topic, this.listener, true).catch(this.onError);
  }

  unsubscribe(topic: string): void {
    if (this.closed || !this.topics.delete(topic)) return;
    this.subscriber.unsubscribe(this.prefix + topic, this.listener, true).catch(this.onError);
  }

  /** Stops forwarding and receiving, and leaves every channel it subscribed to (the client stays the caller's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.deliver = null;
    const channels = [...this.topics].map((topic) => this.prefix + topic);
    this.topics.clear();
    await Promise.all(
      channels.map((channel) => this.subscriber.unsubscribe(channel, this.listener, true).catch(this.onError)),
    );
  }

  private receive(message: Buffer, channel: Buffer): void {
    if (this.deliver === null || message.length < HEADER_BYTES) return;
    if (message.compare(this.origin, 0, ORIGIN_BYTES, 1, HEADER_BYTES) === 0) return;
    const name = channel.toString();
    if (!name.startsWith(this.prefix)) return;
    this.deliver({
      topic: name.slice(this.prefix.length),
      data: message.subarray(HEADER_BYTES),
      binary: (message[0] & FLAG_BINARY) !== 0,
      compress: (message[0] & FLAG_COMPRESS) !== 0,
    });
  }
}
