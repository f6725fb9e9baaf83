// The publish server of the capacity suite, ours or ws's (chosen at start): connections on /sub are
// subscribers, and every message a connection on /pub sends goes to all of them, the way each library's
// users write it: ours with wss.publish(topic) to connections that called ws.subscribe(topic), ws with the
// loop over wss.clients its README shows for broadcasting. Prints `listening on ws://HOST:PORT` once ready.
//
//   node bench/capacity/publish-server.js --library wasmsocket|ws

import { parseArgs } from 'node:util';

const TOPIC = 'capacity';
const OPEN = 1;

const { values } = parseArgs({ options: { library: { type: 'string', default: 'wasmsocket' } } });
if (values.library !== 'wasmsocket' && values.library !== 'ws') {
  throw new Error(`bench: --library must be wasmsocket or ws, got ${JSON.stringify(values.library)}`);
}
const ours = values.library === 'wasmsocket';
const { WebSocketServer } = ours ? await import('wasmsocket') : await import('ws');

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });

server.on('connection', (ws, request) => {
  if (request.url === '/sub') {
    if (ours) ws.subscribe(TOPIC);
  } else if (request.url === '/pub') {
    ws.on(
      'message',
      ours
        ? (data, isBinary) => server.publish(TOPIC, data, { binary: isBinary })
        : (data, isBinary) => {
            for (const client of server.clients) {
              if (client !== ws && client.readyState === OPEN) client.send(data, { binary: isBinary });
            }
          },
    );
  }
  ws.on('error', (error) => process.stderr.write(`connection error: ${error.message}\n`));
});
server.on('error', (error) => {
  process.stderr.write(`server error: ${error.message}\n`);
  process.exit(1);
});
server.on('listening', () => process.stdout.write(`listening on ws://127.0.0.1:${server.address().port}\n`));

function stop() {
  for (const client of server.clients) client.terminate();
  server.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
