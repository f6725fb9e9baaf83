// Every option of every object is checked when the object is built: a TypeError for the wrong type, a
// RangeError for a value out of range, each message naming the option and the value. One table per
// constructor, one row per option (with a wrong type and, where the option has a range, a value outside
// it); each table is checked against the rule tables of src/, so an option added without a row fails here.
// The regressions that led here, over real sockets: options-checked-at-construction.node.test.ts.

import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer as WsPackageServer, WebSocket as WsPackageWebSocket } from 'ws';
import { Http2SessionPool, PreparedMessage, RedisAdapter, WebSocket, WebSocketServer } from '../../src/index.ts';
import { HTTP2_SESSION_POOL_RULES } from '../../src/node/http2-session-pool.ts';
import { CLIENT_RULES, CONNECTION_RULES } from '../../src/node/options-check.ts';
import { PREPARE_RULES } from '../../src/node/prepared.ts';
import { REDIS_ADAPTER_RULES } from '../../src/node/redis-adapter.ts';
import { SERVER_RULES, SHUTDOWN_RULES } from '../../src/node/server-options-check.ts';
import {
  WebSocket as NodeEntryWebSocket,
  WebSocketStream as NodeEntryWebSocketStream,
} from '../../src/node/web-connector.ts';
import { PER_MESSAGE_DEFLATE_RULES } from '../../src/protocol/permessage-deflate.ts';
import { WEB_CLIENT_RULES } from '../../src/web/open-session.ts';
import { WebSocket as WebWebSocket } from '../../src/web/websocket.ts';
import { WEB_SOCKET_STREAM_RULES, WebSocketStream } from '../../src/web/websocket-stream.ts';
import { within } from '../support/waits.ts';

/** An option whose every value of the right type is accepted: there is no out-of-range value to try. */
const ANY_VALUE = Symbol('any value of the right type');

interface Row {
  /** The option, dotted for a nested one ('heartbeat.timeoutMs'). */
  option: string;
  wrongType: unknown;
  outOfRange: unknown;
  /** The error class for the wrong type when it is not TypeError (ws's own checks). */
  wrongTypeClass?: typeof RangeError;
  /** What the message calls the option, when not its name (ws's own wording). */
  named?: string;
  /** The message shows the value as String(value), unquoted (ws's own wording). */
  unquoted?: boolean;
}

function row(option: string, wrongType: unknown, outOfRange: unknown, extra: Partial<Row> = {}): Row {
  return { option, wrongType, outOfRange, ...extra };
}

/** Values nested options are tried inside: the others valid, so the row's option is the one at fault. */
const NESTED_BASE: Record<string, Record<string, unknown>> = {
  heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
  perMessageDeflate: {},
};

/** The top-level option a row is about: 'perMessageDeflate' for 'perMessageDeflate[1].threshold'. */
function topOption(option: string): string {
  return option.split('.')[0].replace(/\[\d+\]$/, '');
}

function optionsWith(option: string, value: unknown): Record<string, unknown> {
  const [parent, child] = option.split('.');
  // An element of a list option ('perMessageDeflate[1]'): valid elements before it, the row's value in it.
  const element = /^(\w+)\[(\d+)\]$/.exec(parent);
  if (element !== null) {
    const [, name, index] = element;
    const item = child === undefined ? value : { ...NESTED_BASE[name], [child]: value };
    return { [name]: [...Array.from({ length: Number(index) }, () => ({ ...NESTED_BASE[name] })), item] };
  }
  if (child === undefined) return { [parent]: value };
  return { [parent]: { ...NESTED_BASE[parent], [child]: value } };
}

/** How a message shows the value: strings quoted, numbers as written (objects are not checked). */
function shown(value: unknown): string | null {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return null;
}

function expectRefused(build: () => unknown, row: Row, value: unknown, errorClass: typeof TypeError): void {
  const [parent, child] = row.option.split('.');
  let thrown: unknown = null;
  try {
    settle(build());
  } catch (error) {
    thrown = error;
  }
  const what = `${row.option} = ${String(shown(value) ?? typeof value)}`;
  expect(thrown, `${what} was accepted`).toBeInstanceOf(errorClass);
  const message = (thrown as Error).message;
  expect(message, what).toContain(row.named ?? (child === undefined ? parent : row.option));
  const text = row.unquoted ? String(value) : shown(value);
  if (text !== null) expect(message, what).toContain(text);
}

/** An object built although a row expected a throw: leave nothing running behind the failed test. */
function settle(built: unknown): void {
  if (built instanceof WebSocket) {
    built.on('error', () => {});
    built.terminate();
  } else if (built instanceof WebSocketServer) {
    built.close();
  } else if (built instanceof WebWebSocket) {
    built.addEventListener('error', () => {});
    built.close();
  } else if (built instanceof WebSocketStream) {
    built.close();
  }
}

/** Runs every row of a table against `build`, and checks the table covers every option of `rules`. */
function describeTable(
  title: string,
  rules: readonly object[],
  rows: readonly Row[],
  build: (options: Record<string, unknown>, row: Row) => unknown,
): void {
  describe(title, () => {
    it('has a row for every option the constructor checks', () => {
      const ruled = new Set(rules.flatMap((table) => Object.keys(table)));
      const covered = new Set(rows.map((each) => topOption(each.option)));
      expect([...covered].sort()).toEqual([...ruled].sort());
    });
    for (const each of rows) {
      it(`${each.option}: a wrong type is a ${(each.wrongTypeClass ?? TypeError).name}`, () => {
        expectRefused(
          () => build(optionsWith(each.option, each.wrongType), each),
          each,
          each.wrongType,
          each.wrongTypeClass ?? TypeError,
        );
      });
      if (each.outOfRange !== ANY_VALUE) {
        it(`${each.option}: a value out of range is a RangeError`, () => {
          expectRefused(
            () => build(optionsWith(each.option, each.outOfRange), each),
            each,
            each.outOfRange,
            RangeError,
          );
        });
      }
    }
  });
}

/** The options of every connection, server or client. */
const CONNECTION_ROWS: Row[] = [
  row('maxPayload', '1MB', -1),
  row('maxFragments', '16', 1.5),
  row('skipUTF8Validation', 'false', ANY_VALUE),
  row('autoPong', 1, ANY_VALUE),
  row('allowSynchronousEvents', 'true', ANY_VALUE),
  row('closeTimeout', '30s', -1),
  row('heartbeat', 5, ANY_VALUE),
  row('heartbeat.intervalMs', '30s', 0),
  // The case: timeoutMs left out.
  row('heartbeat.timeoutMs', undefined, Number.POSITIVE_INFINITY),
  row('maxBackpressure', '1MB', -1),
  row('backpressurePolicy', 5, 'drop'),
  row('streamMessages', 'yes', ANY_VALUE),
  row('generateMask', 'zeros', ANY_VALUE),
];

const DEFLATE_ROWS: Row[] = [
  row('perMessageDeflate', 5, ANY_VALUE),
  row('perMessageDeflate.serverNoContextTakeover', 'yes', ANY_VALUE),
  row('perMessageDeflate.clientNoContextTakeover', 1, ANY_VALUE),
  row('perMessageDeflate.serverMaxWindowBits', '15', 16),
  row('perMessageDeflate.clientMaxWindowBits', '15', 7),
  row('perMessageDeflate.threshold', '1k', -1),
  row('perMessageDeflate.concurrencyLimit', '10', 0),
  row('perMessageDeflate.memory', 5, 'pooled'),
  row('perMessageDeflate.zlibDeflateOptions', 'fast', { level: 99 }),
  row('perMessageDeflate.zlibInflateOptions', 7, { chunkSize: 1 }),
];

/**
 * The client's perMessageDeflate may also be a list of offers (RFC 7692 section 5): an empty one is out of
 * range, and each element is checked as the single object is, under its own name.
 */
const CLIENT_DEFLATE_ROWS: Row[] = [
  row('perMessageDeflate', 5, []),
  row('perMessageDeflate[1]', 'fast', ANY_VALUE),
  ...DEFLATE_ROWS.slice(1).map((each) => ({
    ...each,
    option: each.option.replace('perMessageDeflate.', 'perMessageDeflate[1].'),
  })),
];

it('the deflate rows cover every perMessageDeflate option, for the object and for each element of a list', () => {
  const covered = DEFLATE_ROWS.map((each) => each.option.split('.')[1]).filter(Boolean);
  expect(covered.sort()).toEqual(Object.keys(PER_MESSAGE_DEFLATE_RULES).sort());
  const coveredInList = CLIENT_DEFLATE_ROWS.map((each) => each.option.split('.')[1]).filter(Boolean);
  expect(coveredInList.sort()).toEqual(Object.keys(PER_MESSAGE_DEFLATE_RULES).sort());
});

it('a server takes one perMessageDeflate configuration: a list is a TypeError naming the option', () => {
  expect(() => new WebSocketServer({ noServer: true, perMessageDeflate: [{}] as never })).toThrow(
    /^perMessageDeflate must be true, false or an object \{.*\}, got an array of 1 item$/,
  );
  expect(() => new WebSocketServer({ noServer: true, perMessageDeflate: [{}] as never })).toThrow(TypeError);
});

class NotAWebSocket {}

/** Options that need no port/server/noServer of their own are tried with noServer, so nothing listens. */
const SOURCE_OPTIONS = new Set(['port', 'server', 'noServer']);

describeTable(
  'WebSocketServer',
  [SERVER_RULES, CONNECTION_RULES],
  [
    row('host', 8080, ANY_VALUE),
    row('port', true, 65536),
    row('backlog', '511', -1),
    row('server', 5, ANY_VALUE),
    row('noServer', 'yes', ANY_VALUE),
    row('path', 5, ANY_VALUE),
    row('verifyClient', 'none', ANY_VALUE),
    row('handleProtocols', 5, ANY_VALUE),
    row('clientTracking', 'no', ANY_VALUE),
    ...DEFLATE_ROWS,
    row('WebSocket', NotAWebSocket, ANY_VALUE),
    row('handshakeTimeout', '10s', 0),
    row('maxHeaderSize', '16k', 0),
    row('maxHeaderCount', '100', -1),
    row('maxConnections', '5', 1.5),
    row('maxConnectionsPerAddress', null, -1),
    row('allowedOrigins', 'https://app.example.com', ['https://app.example.com/']),
    row('pubsub', {}, ANY_VALUE),
    ...CONNECTION_ROWS,
  ],
  (options, { option }) => new WebSocketServer(SOURCE_OPTIONS.has(option) ? options : { noServer: true, ...options }),
);

const UNREACHABLE_URL = 'ws://127.0.0.1:1/';

describeTable(
  'WebSocket (the Node client)',
  [CLIENT_RULES, CONNECTION_RULES],
  [
    // ws's own check and message ("Unsupported protocol version"), a RangeError whatever the type.
    row('protocolVersion', '13', 7, { wrongTypeClass: RangeError, named: 'protocol version', unquoted: true }),
    row('handshakeTimeout', '10s', -1),
    row('followRedirects', 'yes', ANY_VALUE),
    row('maxRedirects', '10', -1),
    row('origin', 5, ANY_VALUE),
    ...DEFLATE_ROWS,
    ...CLIENT_DEFLATE_ROWS,
    row('finishRequest', 'end', ANY_VALUE),
    row('http2', 'yes', ANY_VALUE),
    row('headers', 'X-Token: 1', ANY_VALUE),
    row('createConnection', 'tcp', ANY_VALUE),
    ...CONNECTION_ROWS,
  ],
  (options) => new WebSocket(UNREACHABLE_URL, options),
);

/** A connector that never connects: a row that wrongly passes fails without touching the network. */
const refusingConnector = () => Promise.reject(new Error('no connection in this test'));

const WEB_CLIENT_ROWS: Row[] = [
  row('connector', 'net', ANY_VALUE),
  row('headers', 'X-Token: 1', ANY_VALUE),
  row('origin', 5, ANY_VALUE),
  row('maxPayload', '1MB', -1),
  row('handshakeTimeout', '30s', 0),
  row('closeTimeout', '30s', -5),
  row('maxHeadBytes', '16k', 2),
];

// The classes of src/web, and those the Node entry of wasmsocket/web exports (subclasses that supply a
// connector): the same checks.
for (const [where, StreamClass, WhatwgClass] of [
  ['src/web', WebSocketStream, WebWebSocket],
  ["wasmsocket/web's Node entry", NodeEntryWebSocketStream, NodeEntryWebSocket],
] as const) {
  describeTable(
    `WebSocketStream (${where})`,
    [WEB_CLIENT_RULES, WEB_SOCKET_STREAM_RULES],
    [
      ...WEB_CLIENT_ROWS,
      row('streamMessages', 'yes', ANY_VALUE),
      row('readableHighWaterMark', '64k', 0),
      row('protocols', 5, ANY_VALUE),
      row('signal', {}, ANY_VALUE),
    ],
    (options) => new StreamClass(UNREACHABLE_URL, { connector: refusingConnector, ...options }),
  );

  describeTable(`WebSocket (${where}, WHATWG)`, [WEB_CLIENT_RULES], WEB_CLIENT_ROWS, (options) => {
    return new WhatwgClass(UNREACHABLE_URL, [], { connector: refusingConnector, ...options });
  });
}

const redisClient = { publish: async () => 0, subscribe: async () => 0, unsubscribe: async () => 0 };

describeTable(
  'RedisAdapter',
  [REDIS_ADAPTER_RULES],
  [
    row('publisher', { subscribe: redisClient.subscribe }, ANY_VALUE, { named: 'publisher.publish' }),
    row('subscriber', { subscribe: redisClient.subscribe }, ANY_VALUE, { named: 'subscriber.unsubscribe' }),
    row('channelPrefix', 5, ANY_VALUE),
    row('onError', 'log', ANY_VALUE),
  ],
  (options) => new RedisAdapter({ publisher: redisClient, subscriber: redisClient, ...options }),
);

describeTable('Http2SessionPool', [HTTP2_SESSION_POOL_RULES], [row('idleTimeoutMs', '1s', -1)], (options) => {
  return new Http2SessionPool(options);
});

describe('prepare(), publish() and broadcast() options', () => {
  const wss = new WebSocketServer({ noServer: true });
  afterAll(() => wss.close());
  const rows = [row('binary', 'yes', ANY_VALUE), row('compress', 1, ANY_VALUE)];
  it('has a row for every option', () => {
    expect(rows.map((each) => each.option).sort()).toEqual(Object.keys(PREPARE_RULES).sort());
  });
  for (const each of rows) {
    it(`${each.option}: a wrong type is a TypeError, from prepare, publish and broadcast`, () => {
      const options = { [each.option]: each.wrongType };
      expectRefused(() => wss.prepare('x', options), each, each.wrongType, TypeError);
      expectRefused(() => wss.publish('topic', 'x', options), each, each.wrongType, TypeError);
      expectRefused(() => wss.broadcast('x', options), each, each.wrongType, TypeError);
    });
  }
  it('except: a value that is not a WebSocket is a TypeError', () => {
    const exceptRow = row('except', 'me', ANY_VALUE);
    expectRefused(() => wss.broadcast('x', { except: 'me' as never }), exceptRow, 'me', TypeError);
    expectRefused(() => wss.publish('topic', 'x', {}, 'me' as never), exceptRow, 'me', TypeError);
  });
});

it('new PreparedMessage(data, isBinary, compressed) checks its arguments (wss.prepare() is the usual way)', () => {
  expect(() => new PreparedMessage('text' as never, false, null)).toThrow(
    new TypeError('data must be a Uint8Array (or Buffer), got the string "text"'),
  );
  expect(() => new PreparedMessage(Buffer.from('x'), 'yes' as never, null)).toThrow(/^isBinary must be true or false/);
  expect(() => new PreparedMessage(Buffer.from('x'), true, [1] as never)).toThrow(/^compressed must be a Uint8Array/);
  expect(new PreparedMessage(Buffer.from('x'), false, null).isBinary).toBe(false);
});

describe('shutdown() options', () => {
  const rows = [row('code', '1001', 999), row('reason', 5, ANY_VALUE), row('timeoutMs', '1s', -1)];
  it('has a row for every option', () => {
    expect(rows.map((each) => each.option).sort()).toEqual(Object.keys(SHUTDOWN_RULES).sort());
  });
  for (const each of rows) {
    it(`${each.option}: a wrong type is a TypeError${each.outOfRange === ANY_VALUE ? '' : ', out of range a RangeError'}`, () => {
      // Thrown by the call itself: the promise is never made, and no client is closed.
      const wss = new WebSocketServer({ noServer: true });
      expectRefused(() => wss.shutdown({ [each.option]: each.wrongType }), each, each.wrongType, TypeError);
      if (each.outOfRange !== ANY_VALUE) {
        expectRefused(() => wss.shutdown({ [each.option]: each.outOfRange }), each, each.outOfRange, RangeError);
      }
      wss.close();
    });
  }
});

it('options that are not an object are a TypeError, for every constructor', () => {
  // (new WebSocketServer(5) meets ws's own check first: 'One and only one of the "port", ...', a TypeError too.)
  const builds: [string, (options: unknown) => unknown][] = [
    ['WebSocket', (options) => new WebSocket(UNREACHABLE_URL, [], options as never)],
    ['WebSocketStream', (options) => new WebSocketStream(UNREACHABLE_URL, options as never)],
    ['Node entry WebSocketStream', (options) => new NodeEntryWebSocketStream(UNREACHABLE_URL, options as never)],
    ['web WebSocket', (options) => new WebWebSocket(UNREACHABLE_URL, [], options as never)],
    ['Node entry web WebSocket', (options) => new NodeEntryWebSocket(UNREACHABLE_URL, [], options as never)],
    ['RedisAdapter', (options) => new RedisAdapter(options as never)],
    ['Http2SessionPool', (options) => new Http2SessionPool(options as never)],
  ];
  for (const [name, build] of builds) {
    expect(() => settle(build(5)), name).toThrow(TypeError);
    expect(() => settle(build(5)), name).toThrow(/options must be an object.*, got 5$/);
  }
});

describe('what stays as it was', () => {
  it('options the constructors do not know are ignored, as ws ignores them', () => {
    const unknown = { maxBufferedChunks: 256 * 1024, maxPendingAutoPongs: 60, someFutureOption: 'x' };
    expect(() => new WebSocketServer({ noServer: true, ...unknown }).close()).not.toThrow();
    expect(() => {
      const client = new WebSocket(UNREACHABLE_URL, unknown as never);
      client.on('error', () => {});
      client.terminate();
    }).not.toThrow();
    expect(() =>
      new WebSocketStream(UNREACHABLE_URL, { connector: refusingConnector, ...unknown } as never).close(),
    ).not.toThrow();
  });

  it("ws's documented option values are accepted (its README's perMessageDeflate example, nulls as ws's defaults)", () => {
    const perMessageDeflate = {
      zlibDeflateOptions: { chunkSize: 1024, memLevel: 7, level: 3 },
      zlibInflateOptions: { chunkSize: 10 * 1024 },
      clientNoContextTakeover: true,
      serverNoContextTakeover: true,
      serverMaxWindowBits: 10,
      concurrencyLimit: 10,
      threshold: 1024,
    };
    const nulls = { host: null, path: null, backlog: null, verifyClient: null, handleProtocols: null, server: null };
    expect(() =>
      new WebSocketServer({ noServer: true, perMessageDeflate, ...(nulls as object) }).close(),
    ).not.toThrow();
    expect(() => {
      const client = new WebSocket(UNREACHABLE_URL, {
        perMessageDeflate: { clientMaxWindowBits: true, serverMaxWindowBits: false },
        handshakeTimeout: 0,
        protocolVersion: 8,
        headers: { 'X-Token': '1' },
      });
      client.on('error', () => {});
      client.terminate();
    }).not.toThrow();
  });

  it('null, where ws reads it as "not set", still is: a server and a client built so talk over a socket', async () => {
    const serverNulls = { path: null, backlog: null, verifyClient: null, handleProtocols: null, server: null };
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...(serverNulls as object) });
    try {
      await within(once(wss, 'listening'), 'the server to listen');
      wss.on('connection', (ws: WebSocket) =>
        ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })),
      );
      const clientNulls = {
        origin: null,
        finishRequest: null,
        createConnection: null,
        headers: null,
        generateMask: null,
      };
      const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, clientNulls as object);
      await within(once(client, 'open'), 'the client to open');
      client.send('echo me');
      const [data] = await within(once(client, 'message'), 'the echo');
      expect(String(data)).toBe('echo me');
      client.terminate();
    } finally {
      for (const ws of wss.clients ?? []) ws.terminate();
      await within(new Promise((resolve) => wss.close(resolve)), 'the server to close');
    }
  });

  it("ws's own checks keep ws's error classes and messages", () => {
    const cases: [string, () => unknown, () => unknown][] = [
      ['no port, server or noServer', () => new WsPackageServer({}), () => new WebSocketServer({})],
      [
        'port and noServer',
        () => new WsPackageServer({ port: 0, noServer: true }),
        () => new WebSocketServer({ port: 0, noServer: true }),
      ],
      [
        'protocolVersion 7',
        () => new WsPackageWebSocket(UNREACHABLE_URL, { protocolVersion: 7 }),
        () => new WebSocket(UNREACHABLE_URL, { protocolVersion: 7 }),
      ],
      ['an invalid URL', () => new WsPackageWebSocket('not a url'), () => new WebSocket('not a url')],
      ['an ftp: URL', () => new WsPackageWebSocket('ftp://127.0.0.1/'), () => new WebSocket('ftp://127.0.0.1/')],
      [
        'a URL with a fragment',
        () => new WsPackageWebSocket('ws://127.0.0.1/#x'),
        () => new WebSocket('ws://127.0.0.1/#x'),
      ],
      [
        'a subprotocol that is not a token',
        () => new WsPackageWebSocket(UNREACHABLE_URL, 'a b'),
        () => new WebSocket(UNREACHABLE_URL, 'a b'),
      ],
    ];
    for (const [what, theirs, ours] of cases) {
      const errorOf = (build: () => unknown) => {
        try {
          settle(build());
        } catch (error) {
          return { name: (error as Error).constructor.name, message: (error as Error).message };
        }
        return null;
      };
      const expected = errorOf(theirs);
      expect(expected, `ws throws for ${what}`).not.toBeNull();
      expect(errorOf(ours), what).toEqual(expected);
    }
  });
});

describe('maxPayload: Infinity', () => {
  it('is accepted as no limit, as ws reads it, by the server, the client and the web classes', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: Number.POSITIVE_INFINITY });
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.on('connection', (socket: WebSocket) =>
      socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary })),
    );
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { maxPayload: Number.POSITIVE_INFINITY });
    await once(client, 'open');
    const payload = Buffer.alloc(256 * 1024, 7);
    client.send(payload);
    const [echo] = await once(client, 'message');
    expect(Buffer.compare(echo as Buffer, payload)).toBe(0);
    client.close();
    await once(client, 'close');
    server.close();
    const stream = new WebSocketStream(`ws://127.0.0.1:${port}`, { maxPayload: Number.POSITIVE_INFINITY });
    stream.opened.catch(() => {});
    stream.closed.catch(() => {});
    stream.close();
  });
});
