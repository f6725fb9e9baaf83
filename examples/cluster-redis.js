// Multi-core on one machine: one server process per core, all on the same port (node:cluster shares the
// listening socket), topics fanned out between them over Redis. Run a Redis server first, then:
//   REDIS_URL=redis://127.0.0.1:6379 PORT=8080 node examples/cluster-redis.js
// Clients send "sub <topic>" to subscribe and "pub <topic> <text>" to publish to every subscriber on
// every process.

import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createClient } from 'redis';
import { RedisAdapter, WebSocketServer } from 'wasmsocket';

const port = Number(process.env.PORT ?? 8080);

if (cluster.isPrimary) {
  for (let i = 0; i < availableParallelism(); i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    console.log(`worker ${worker.process.pid} exited (${code}); starting another`);
    cluster.fork();
  });
} else {
  const publisher = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  const subscriber = publisher.duplicate();
  for (const client of [publisher, subscriber]) client.on('error', (error) => console.error('redis:', error.message));
  await Promise.all([publisher.connect(), subscriber.connect()]);

  const wss = new WebSocketServer({
    port,
    pubsub: new RedisAdapter({ publisher, subscriber }),
    heartbeat: { intervalMs: 30_000, timeoutMs: 10_000 },
    maxBackpressure: 8 * 1024 * 1024,
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const [command, topic, ...rest] = String(data).split(' ');
      if (command === 'sub') ws.subscribe(topic);
      else if (command === 'pub') wss.publish(topic, rest.join(' '));
    });
  });
  wss.on('listening', () => console.log(`worker ${process.pid} serving ws://0.0.0.0:${port}`));
  process.on('SIGTERM', async () => {
    await wss.shutdown({ code: 1001 });
    await Promise.all([publisher.quit(), subscriber.quit()]);
    process.exit(0);
  });
}
