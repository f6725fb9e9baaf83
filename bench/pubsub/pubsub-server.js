// A server process for the pub/sub benchmark: topics, with or without the Redis adapter. Clients send
// "sub <topic>" (answered "ok") and "burst <topic> <count> <bytes>" (the server publishes <count> binary
// messages of <bytes> bytes to <topic>, as fast as it can).
//   node bench/pubsub/pubsub-server.js [REDIS_PORT]

import { createClient } from 'redis';
import { RedisAdapter, WebSocketServer } from 'wasmsocket';

const redisPort = process.argv[2] === undefined ? null : Number(process.argv[2]);
let pubsub;
if (redisPort !== null) {
  const publisher = createClient({ socket: { host: '127.0.0.1', port: redisPort } });
  const subscriber = publisher.duplicate();
  for (const client of [publisher, subscriber])
    client.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`));
  await Promise.all([publisher.connect(), subscriber.connect()]);
  pubsub = new RedisAdapter({ publisher, subscriber });
  // Answer "ok" to a subscription only once Redis has it.
  pubsub.ready = () => subscriber.ping();
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, pubsub });
wss.on('connection', (ws) => {
  ws.on('message', async (data) => {
    const [command, topic, count, bytes] = String(data).split(' ');
    if (command === 'sub') {
      ws.subscribe(topic);
      await pubsub?.ready();
      ws.send('ok');
    } else if (command === 'burst') {
      const payload = Buffer.alloc(Number(bytes), 0x61);
      for (let i = 0; i < Number(count); i++) wss.publish(topic, payload, { binary: true });
    }
  });
});
wss.on('listening', () => process.stdout.write(`listening ${wss.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
