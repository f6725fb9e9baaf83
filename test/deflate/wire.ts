// Raw peers for the permessage-deflate tests: a client and a server that do the opening handshake by hand
// (so a test chooses every byte of Sec-WebSocket-Extensions) and then exchange frames the test builds with
// encodeFrame, and a tap that sits between two real peers and records every frame header each way (RSV1
// shows whether a message really went compressed, RFC 7692 section 6). Every wait is bounded.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { concatBytes, encodeFrame, type RawFrame } from '../support/frames.ts';
import { WAIT_MS, within } from '../support/waits.ts';

export const OPCODE = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;
export const RSV1 = 0x40;

export interface ParsedFrame {
  fin: boolean;
  /** RSV1-3 as in byte 0 (RSV1 = 0x40). */
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Unmasked payload. */
  payload: Buffer;
}

/** Splits a byte stream into frames (RFC 6455 section 5.2), unmasking payloads. */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): ParsedFrame[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const frames: ParsedFrame[] = [];
    for (;;) {
      const bytes = this.pending;
      if (bytes.length < 2) break;
      const masked = (bytes[1] & 0x80) !== 0;
      let length = bytes[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (bytes.length < 4) break;
        length = bytes.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (bytes.length < 10) break;
        length = Number(bytes.readBigUInt64BE(2));
        at = 10;
      }
      const keyAt = at;
      if (masked) at += 4;
      if (bytes.length < at + length) break;
      const payload = Buffer.from(bytes.subarray(at, at + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= bytes[keyAt + (i & 3)];
      frames.push({ fin: (bytes[0] & 0x80) !== 0, rsv: bytes[0] & 0x70, opcode: bytes[0] & 0x0f, masked, payload });
      this.pending = bytes.subarray(at + length);
    }
    return frames;
  }
}

/** The HTTP head at the start of a byte stream: its first line, lower-cased header fields, and what follows. */
export interface HttpHead {
  startLine: string;
  headers: Map<string, string>;
  rest: Buffer;
}

function splitHead(bytes: Buffer): HttpHead | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [startLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // Repeated fields join with commas (RFC 9110 section 5.3), as Sec-WebSocket-Extensions may be.
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { startLine, headers, rest: bytes.subarray(end + 4) };
}

/** One end of a raw connection after the handshake: frames in, frames out, the close seen. */
export class RawEnd {
  readonly socket: Socket;
  readonly frames: ParsedFrame[] = [];
  private readonly parser = new FrameParser();
  private readonly waiters: Array<() => void> = [];
  /** Resolves when the TCP connection has ended. */
  readonly ended: Promise<void>;
  /** Whether this end masks what it sends (a client). */
  private readonly masks: boolean;

  constructor(socket: Socket, rest: Buffer, masks: boolean) {
    this.socket = socket;
    this.masks = masks;
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('close', () => this.notify());
    // A peer that fails the connection may reset it: the test looks at the frames, not at the reset.
    socket.on('error', () => {});
    if (rest.length > 0) this.take(rest);
  }

  private take(chunk: Buffer): void {
    this.frames.push(...this.parser.push(chunk));
    this.notify();
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Sends one frame (masked with a fixed key when this end is a client). */
  sendFrame(frame: RawFrame): void {
    this.socket.write(encodeFrame(this.masks ? { maskKey: new Uint8Array([1, 2, 3, 4]), ...frame } : frame));
  }

  /** Sends several frames in one write, so that they arrive together. */
  sendFrames(frames: RawFrame[]): void {
    const masked = frames.map((frame) => (this.masks ? { maskKey: new Uint8Array([9, 8, 7, 6]), ...frame } : frame));
    this.socket.write(concatBytes(...masked.map(encodeFrame)));
  }

  /** Waits until `check` finds what it wants among the frames so far, or the connection ends without it. */
  waitFor<T>(what: string, check: (frames: ParsedFrame[]) => T | undefined, timeoutMs = WAIT_MS): Promise<T> {
    return within(
      new Promise<T>((resolve, reject) => {
        const poll = () => {
          const found = check(this.frames);
          if (found !== undefined) resolve(found);
          else if (this.socket.destroyed || this.socket.readableEnded) {
            reject(new Error(`the connection ended before ${what}; frames: ${describeFrames(this.frames)}`));
          } else this.waiters.push(poll);
        };
        poll();
      }),
      what,
      timeoutMs,
    );
  }

  /** Waits for the peer's close frame and returns its code (1005 when it had none). */
  closeCode(): Promise<number> {
    return this.waitFor('a close frame', (frames) => {
      const close = frames.find((frame) => frame.opcode === OPCODE.CLOSE);
      if (close === undefined) return undefined;
      return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
    });
  }

  /** Waits until `count` data frames ending messages have arrived and returns every data frame so far. */
  dataFrames(count: number): Promise<ParsedFrame[]> {
    return this.waitFor(`${count} complete message(s)`, (frames) => {
      const data = frames.filter((frame) => frame.opcode <= OPCODE.BINARY);
      return data.filter((frame) => frame.fin).length >= count ? data : undefined;
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function describeFrames(frames: readonly ParsedFrame[]): string {
  return (
    frames
      .map(
        (f) =>
          `[op ${f.opcode}${f.fin ? ' fin' : ''}${f.rsv ? ` rsv ${f.rsv.toString(16)}` : ''} ${f.payload.length} B]`,
      )
      .join(' ') || 'none'
  );
}

export interface RawClient extends RawEnd {
  status: number;
  headers: Map<string, string>;
}

/**
 * Opens a TCP connection, sends an upgrade request with `extensions` as Sec-WebSocket-Extensions (or
 * none when null; an array sends the field once per entry) and resolves once the response head is in.
 */
export async function rawClient(port: number, extensions: string | string[] | null, path = '/'): Promise<RawClient> {
  const socket = tcpConnect({ host: '127.0.0.1', port });
  await within(once(socket, 'connect'), 'the TCP connection');
  const fields = extensions === null ? [] : Array.isArray(extensions) ? extensions : [extensions];
  const request = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...fields.map((value) => `Sec-WebSocket-Extensions: ${value}`),
  ];
  socket.write(`${request.join('\r\n')}\r\n\r\n`);
  const head = await readHead(socket, 'the upgrade response');
  const end = new RawEnd(socket, head.rest, true) as RawClient;
  end.status = Number(head.startLine.split(' ')[1]);
  end.headers = head.headers;
  return end;
}

/** Reads an HTTP head from a socket (bounded by WAIT_MS); the bytes after it come back in `rest`. */
export function readHead(socket: Socket, what: string): Promise<HttpHead> {
  return within(
    new Promise<HttpHead>((resolve, reject) => {
      let bytes = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        const head = splitHead(bytes);
        if (head === null) return;
        socket.removeListener('data', onData);
        socket.removeListener('close', onClose);
        resolve(head);
      };
      const onClose = () => reject(new Error(`the connection closed before ${what}: ${bytes.toString('latin1')}`));
      socket.on('data', onData);
      socket.once('close', onClose);
    }),
    what,
  );
}

export interface RawServerConnection extends RawEnd {
  /** The request's header fields, lower-cased names. */
  requestHeaders: Map<string, string>;
}

export interface RawServer {
  port: number;
  /** The next connection whose handshake has been answered. */
  nextConnection(): Promise<RawServerConnection>;
  close(): void;
}

/**
 * A server that answers every upgrade with 101 and the Sec-WebSocket-Extensions value `respond` returns
 * for the request's offer (no field when it returns null), then lets the test drive frames.
 */
export async function rawServer(respond: (offer: string | undefined) => string | null): Promise<RawServer> {
  const ready: RawServerConnection[] = [];
  const waiting: Array<(connection: RawServerConnection) => void> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    const head = await readHead(socket, 'the upgrade request').catch(() => null);
    if (head === null) return;
    const key = head.headers.get('sec-websocket-key') ?? '';
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const extensions = respond(head.headers.get('sec-websocket-extensions'));
    const response = [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${accept}`,
    ];
    if (extensions !== null) response.push(`Sec-WebSocket-Extensions: ${extensions}`);
    socket.write(`${response.join('\r\n')}\r\n\r\n`);
    const connection = new RawEnd(socket, head.rest, false) as RawServerConnection;
    connection.requestHeaders = head.headers;
    const waiter = waiting.shift();
    if (waiter) waiter(connection);
    else ready.push(connection);
  });
  server.listen(0, '127.0.0.1');
  await within(once(server, 'listening'), 'the raw server to listen');
  return {
    port: (server.address() as { port: number }).port,
    nextConnection: () => {
      const connection = ready.shift();
      if (connection) return Promise.resolve(connection);
      return within(new Promise((resolve) => waiting.push(resolve)), 'a connection to the raw server');
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

export interface TappedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  /** The payload as it crossed the wire (unmasked, still compressed when RSV1 is set). */
  payload: Buffer;
}

export interface Tap {
  /** Listen here instead of on the server. */
  port: number;
  /** Frames the client sent, and the bytes of them (heads and payloads) after the HTTP head. */
  fromClient: TappedFrame[];
  fromServer: TappedFrame[];
  bytes: { fromClient: number; fromServer: number };
  /** The Sec-WebSocket-Extensions fields each way, as they crossed. */
  offered: () => string | undefined;
  agreed: () => string | undefined;
  close(): void;
}

/** A TCP relay to 127.0.0.1:targetPort that parses the frames each way without changing a byte. */
export async function tapProxy(targetPort: number): Promise<Tap> {
  const sockets = new Set<Socket>();
  let offered: string | undefined;
  let agreed: string | undefined;
  const tap: Tap = {
    port: 0,
    fromClient: [],
    fromServer: [],
    bytes: { fromClient: 0, fromServer: 0 },
    offered: () => offered,
    agreed: () => agreed,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
  const watch = (direction: 'fromClient' | 'fromServer', onHead: (head: HttpHead) => void) => {
    let head: Buffer | null = Buffer.alloc(0);
    const parser = new FrameParser();
    return (chunk: Buffer) => {
      let frameBytes = chunk;
      if (head !== null) {
        head = Buffer.concat([head, chunk]);
        const parsed = splitHead(head);
        if (parsed === null) return;
        onHead(parsed);
        head = null;
        frameBytes = parsed.rest;
      }
      tap.bytes[direction] += frameBytes.length;
      for (const frame of parser.push(frameBytes)) tap[direction].push(frame);
    };
  };
  const server = createServer((client) => {
    const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.once('close', () => sockets.delete(socket));
    }
    const fromClient = watch('fromClient', (head) => {
      offered = head.headers.get('sec-websocket-extensions');
    });
    const fromServer = watch('fromServer', (head) => {
      agreed = head.headers.get('sec-websocket-extensions');
    });
    client.on('data', (chunk: Buffer) => {
      fromClient(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      fromServer(chunk);
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  server.listen(0, '127.0.0.1');
  await within(once(server, 'listening'), 'the tap to listen');
  tap.port = (server.address() as { port: number }).port;
  return tap;
}
