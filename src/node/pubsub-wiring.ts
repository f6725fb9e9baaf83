// How a WebSocketServer's topics reach other processes through a PubSubAdapter (the Redis one, say): the
// adapter subscribes to a topic while a connection of this process subscribes to it, and a message it
// brings from elsewhere goes to this process's subscribers, framed once.

import { prepareMessage } from './prepared.js';
import type { PubSubAdapter } from './pubsub-adapter.js';
import { TopicRegistry } from './topics.js';
import type { WebSocket } from './websocket.js';

/** The topic registry of a server: of this process only, or linked to other processes by `pubsub`. */
export function topicsRelayedBy(pubsub: PubSubAdapter | undefined): TopicRegistry<WebSocket> {
  if (pubsub === undefined) return new TopicRegistry();
  const registry = new TopicRegistry<WebSocket>({
    topicActive: (topic) => pubsub.subscribe(topic),
    topicIdle: (topic) => pubsub.unsubscribe(topic),
  });
  pubsub.attach((message) => {
    const prepared = prepareMessage(message.data, { binary: message.binary, compress: message.compress });
    registry.publish(message.topic, prepared, message.compress, null);
  });
  return registry;
}
