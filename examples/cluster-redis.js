// Multi-core on one machine: one server process per core, all on the same port (node:cluster shares the
// listening socket), topics fanned out between them over Redis.
//
// It needs a Redis server (any Redis 6 or later; on Debian `apt-get install redis-server`, then run
// `redis-server`). Without one it stops at once with a message saying so, instead of leaving node-redis
// retrying the connection for ever in every worker. Then:
//   REDIS_URL=redis://127.0.0.1:6379 PORT=8080 node examples/cluster-redis.js
// Clients send "sub <topic>" to subscribe and "pub <topic> <text>" to publish to every subscriber on
// every process. SIGTERM or SIGINT stops the workers and then the primary.

import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createClient } from 'redis';
import { RedisAdapter, WebSocketServer } from 'wasmsocket';

const port = Number(process.env.PORT ?? 8080);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

if (cluster.isPrimary) {
  // One try, no retries: node-redis's default is to reconnect for ever, which is right for a server that
  // has been running, and wrong for one that never found Redis.
  const probe = createClient({ url: redisUrl, socket: { reconnectStrategy: false, connectTimeout: 5_000 } });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.quit();
  } catch (error) {
    console.error(
      `This example needs a Redis server at ${redisUrl} (${error.message}). Start one with \`redis-server\` ` +
        '(Debian: apt-get install redis-server), or point REDIS_URL at yours.',
    );
    process.exit(1);
  }

  let stopping = false;
  for (let i = 0; i < availableParallelism(); i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.log(`worker ${worker.process.pid} exited (${code}); starting another`);
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const publisher = createClient({ url: redisUrl });
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
  // PORT=0: the workers share one port the system picks (node:cluster hands them the same one).
  wss.on('listening', () => console.log(`worker ${process.pid} serving ws://0.0.0.0:${wss.address().port}`));
  const shutdown = async () => {
    await wss.shutdown({ code: 1001 });
    await Promise.all([publisher.quit(), subscriber.quit()]);
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', () => {}); // the primary forwards SIGINT as SIGTERM
}
