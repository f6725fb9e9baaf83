// A WebSocket peer written by hand over node:net, for conformance tests that must state every byte on the
// wire: it does the opening handshake itself (RFC 6455 section 4), sends frames built byte by byte
// (frames.ts), in one write, one write per frame, or one byte per write, and records what the
// implementation sends back, frame by frame, together with the end of its TCP stream. It checks each
// received frame against section 5 as it parses it and keeps every breach in `violations`.
//
// As a client (RawPeer role 'client', against our server) it masks what it sends and expects unmasked
// frames; as a server (role 'server', against our client) the reverse (section 5.1).

import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, type RawFrame } from './frames.ts';
import { WAIT_MS } from './waits.ts';

/** RFC 6455 section 1.3: the GUID hashed with the key into Sec-WebSocket-Accept. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Opcodes as the wire carries them (section 5.2). */
export const Op = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** The most bytes of an HTTP head either side of the handshake may send before the peer gives up. */
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * How a peer cuts what it sends into socket writes:
 * - 'whole': everything a call sends in one write;
 * - 'frames': one write per frame;
 * - 'bytes': one byte per write (see chopPlan for long inputs);
 * - 'random': writes of 1 to RANDOM_CHOP_MAX bytes, from a seeded generator (randomSeed), so that cuts
 *   fall anywhere and, with the size-based backend, small and large reads (JS and WASM) alternate.
 * Between writes the peer waits one turn of the event loop, so the implementation, which runs in the
 * same process, reads each write on its own instead of finding them joined in the kernel's buffer.
 */
export type Chunking = 'whole' | 'frames' | 'bytes' | 'random';

/** The largest write 'random' makes: beyond SCAN_WASM_MIN_BYTES (64), so both readers take turns. */
const RANDOM_CHOP_MAX = 160;

/** With 'bytes', inputs up to this size go entirely one byte per write. */
const BYTEWISE_ALL_MAX = 4096;
/** Beyond it, the first and last this many bytes go one by one and the middle in prime-sized chops. */
const BYTEWISE_EDGE = 1024;
const MIDDLE_CHOP = 997;

export interface ReceivedFrame {
  fin: boolean;
  /** The RSV bits as they sit in byte 0. */
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The masking key (empty when unmasked). */
  maskKey: Buffer;
  /** Unmasked. */
  payload: Buffer;
}

/** What the implementation did, in order: messages (fragments joined), control frames, the end of TCP. */
export type PeerEvent =
  | { kind: 'message'; opcode: number; payload: Buffer; frames: number }
  | { kind: 'ping'; payload: Buffer }
  | { kind: 'pong'; payload: Buffer }
  | { kind: 'close'; code: number | null; reason: Buffer; payload: Buffer }
  | { kind: 'end' };

/** A frame to send: frames.ts's description, masked by the peer when it acts as the client. */
export type FrameSpec = Omit<RawFrame, 'maskKey'> & { maskKey?: Uint8Array | null };

export class RawPeer {
  readonly role: 'client' | 'server';
  readonly socket: Socket;
  /** How send() cuts its input when the call does not say. */
  chunking: Chunking = 'whole';
  /** The state of the generator behind 'random' (xorshift32); set it to replay a run. */
  randomSeed = 0x2545f491;
  readonly frames: ReceivedFrame[] = [];
  readonly events: PeerEvent[] = [];
  /** Every way the implementation's bytes broke RFC 6455 section 5, as found while parsing. */
  readonly violations: string[] = [];
  /** Bytes received after the implementation's close frame (section 5.5.1: it sends nothing after it). */
  bytesAfterClose = 0;
  /** Resolves when the TCP connection is fully closed. */
  readonly socketClosed: Promise<void>;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private header: { fin: boolean; rsv: number; opcode: number; masked: boolean; key: Buffer; length: number } | null =
    null;
  private messageOpcode = 0;
  private messageParts: Buffer[] = [];
  private messageFrames = 0;
  private closeSeen = false;
  private ended = false;
  private readIndex = 0;
  private wake: (() => void) | null = null;

  constructor(socket: Socket, role: 'client' | 'server', leftover: Buffer) {
    this.socket = socket;
    this.role = role;
    socket.setNoDelay(true);
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onEnd());
    // A reset from the implementation ends the stream like a FIN would; tests look at what came before it.
    socket.on('error', () => this.onEnd());
    if (leftover.length > 0) this.onData(leftover);
  }

  /** The bytes of one frame; masked with a fresh random key when this peer is the client. */
  encode(frame: FrameSpec): Uint8Array {
    const maskKey =
      frame.maskKey === null ? undefined : (frame.maskKey ?? (this.role === 'client' ? randomBytes(4) : undefined));
    return encodeFrame({ ...frame, maskKey });
  }

  /** Sends frames (each a FrameSpec or bytes already encoded), cut as `chunking` says. */
  async send(frames: (FrameSpec | Uint8Array)[], chunking: Chunking = this.chunking): Promise<void> {
    const encoded = frames.map((frame) => (frame instanceof Uint8Array ? frame : this.encode(frame)));
    // Two calls in a row are two reads for the implementation, like the writes within a call.
    await turn();
    if (chunking === 'frames') {
      for (const [index, bytes] of encoded.entries()) {
        if (index > 0) await turn();
        await this.write(bytes);
      }
      return;
    }
    const all = Buffer.concat(encoded);
    if (chunking === 'whole') {
      await this.write(all);
      return;
    }
    if (chunking === 'random') {
      await this.sendChopped(all, this.randomChops(all.length));
      return;
    }
    await this.sendChopped(all, chopPlan(all.length));
  }

  /** Write sizes of 1 to RANDOM_CHOP_MAX bytes covering `length`. */
  private randomChops(length: number): number[] {
    const sizes: number[] = [];
    let x = this.randomSeed >>> 0 || 1;
    for (let covered = 0; covered < length; ) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      const size = 1 + (x % RANDOM_CHOP_MAX);
      sizes.push(size);
      covered += size;
    }
    this.randomSeed = x;
    return sizes;
  }

  /** Writes `bytes` in pieces of the given sizes (the last repeats), one event-loop turn apart. */
  async sendChopped(bytes: Uint8Array, sizes: number[]): Promise<void> {
    let at = 0;
    let index = 0;
    while (at < bytes.length) {
      await turn();
      const size = sizes[Math.min(index, sizes.length - 1)];
      await this.write(bytes.subarray(at, at + size));
      at += size;
      index++;
    }
  }

  /** One write; waits for 'drain' when the socket asks for it. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    if (this.socket.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** The next thing the implementation did, waiting for it (bounded by WAIT_MS). */
  async next(waitingFor = 'the next frame'): Promise<PeerEvent> {
    const deadline = Date.now() + WAIT_MS;
    while (this.readIndex >= this.events.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${waitingFor}; ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.events[this.readIndex++];
  }

  /** The events not yet taken by next(), without waiting. */
  unread(): PeerEvent[] {
    return this.events.slice(this.readIndex);
  }

  /** What was received so far, for failure messages. */
  describe(): string {
    const shown = this.events.map((event, index) => `${index === this.readIndex ? '>' : ''}${describeEvent(event)}`);
    return `received [${shown.join(', ')}]${this.violations.length > 0 ? `; violations: ${this.violations.join('; ')}` : ''}`;
  }

  /** Sends FIN. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private push(event: PeerEvent): void {
    this.events.push(event);
    this.wake?.();
  }

  private onEnd(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.buffered > 0 || this.header !== null) {
      this.violations.push(`the stream ended inside a frame (${this.buffered} bytes pending)`);
    }
    this.push({ kind: 'end' });
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    if (this.closeSeen) {
      this.bytesAfterClose += chunk.length;
      this.violations.push(`${chunk.length} bytes after the close frame`);
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.header === null && !this.readHeader()) return;
      const header = this.header as NonNullable<RawPeer['header']>;
      if (this.buffered < header.length) return;
      const payload = this.take(header.length);
      if (header.masked) for (let i = 0; i < payload.length; i++) payload[i] ^= header.key[i & 3];
      this.header = null;
      const { fin, rsv, opcode, masked, key } = header;
      this.onFrame({ fin, rsv, opcode, masked, maskKey: key, payload });
      if (this.closeSeen) {
        if (this.buffered > 0) {
          this.bytesAfterClose += this.buffered;
          this.violations.push(`${this.buffered} bytes after the close frame`);
        }
        this.chunks.length = 0;
        this.buffered = 0;
        return;
      }
    }
  }

  /** Parses a frame header when enough bytes are there; false when more are needed. */
  private readHeader(): boolean {
    if (this.buffered < 2) return false;
    const head = this.peek(Math.min(this.buffered, 14));
    const masked = (head[1] & 0x80) !== 0;
    const length7 = head[1] & 0x7f;
    const lengthBytes = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
    if (head.length < headerLength) return false;
    let length = length7;
    if (length7 === 126) length = head.readUInt16BE(2);
    else if (length7 === 127) {
      const high = head.readUInt32BE(2);
      if (high >= 0x200000) this.violations.push('a 64-bit length beyond 2^53');
      length = high * 0x1_0000_0000 + head.readUInt32BE(6);
    }
    if (lengthBytes === 2 && length < 126) this.violations.push(`length ${length} not in its shortest form`);
    if (lengthBytes === 8 && length < 0x10000) this.violations.push(`length ${length} not in its shortest form`);
    this.header = {
      fin: (head[0] & 0x80) !== 0,
      rsv: head[0] & 0x70,
      opcode: head[0] & 0x0f,
      masked,
      key: Buffer.from(head.subarray(2 + lengthBytes, headerLength)),
      length,
    };
    this.take(headerLength);
    return true;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const joined = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    this.chunks.push(joined);
    return joined.subarray(0, n);
  }

  /** Removes and returns the next n bytes as a buffer of their own. */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const first = this.chunks[0];
      const count = Math.min(first.length, n - filled);
      first.copy(out, filled, 0, count);
      filled += count;
      if (count === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
    }
    this.buffered -= n;
    return out;
  }

  private onFrame(frame: ReceivedFrame): void {
    this.frames.push(frame);
    const { opcode, payload } = frame;
    const index = this.frames.length - 1;
    // Section 5.1: a server never masks, a client always does.
    const shouldMask = this.role === 'server';
    if (frame.masked !== shouldMask) this.violations.push(`frame ${index} ${frame.masked ? 'masked' : 'unmasked'}`);
    // Section 5.2: no extension was negotiated, so every RSV bit is clear.
    if (frame.rsv !== 0) this.violations.push(`frame ${index} has RSV bits 0x${frame.rsv.toString(16)}`);
    if (opcode >= 0x8) {
      if (!frame.fin) this.violations.push(`control frame ${index} without FIN`);
      if (payload.length > 125) this.violations.push(`control frame ${index} of ${payload.length} bytes`);
    }
    switch (opcode) {
      case Op.PING:
        this.push({ kind: 'ping', payload });
        return;
      case Op.PONG:
        this.push({ kind: 'pong', payload });
        return;
      case Op.CLOSE:
        this.onClose(payload);
        return;
      case Op.TEXT:
      case Op.BINARY:
        if (this.messageOpcode !== 0) this.violations.push(`frame ${index} starts a message inside another`);
        this.messageOpcode = opcode;
        this.messageParts = [payload];
        this.messageFrames = 1;
        break;
      case Op.CONTINUATION:
        if (this.messageOpcode === 0) {
          this.violations.push(`continuation frame ${index} with no message started`);
          return;
        }
        this.messageParts.push(payload);
        this.messageFrames++;
        break;
      default:
        this.violations.push(`frame ${index} has reserved opcode ${opcode}`);
        return;
    }
    if (!frame.fin) return;
    const message = Buffer.concat(this.messageParts);
    if (this.messageOpcode === Op.TEXT && !isUtf8(message)) this.violations.push('a text message that is not UTF-8');
    this.push({ kind: 'message', opcode: this.messageOpcode, payload: message, frames: this.messageFrames });
    this.messageOpcode = 0;
    this.messageParts = [];
  }

  private onClose(payload: Buffer): void {
    this.closeSeen = true;
    if (payload.length === 1) this.violations.push('a close payload of 1 byte');
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
    const reason = payload.subarray(2);
    if (code !== null && !isSendableCloseCode(code)) this.violations.push(`close code ${code} may not be sent`);
    if (!isUtf8(reason)) this.violations.push('a close reason that is not UTF-8');
    this.push({ kind: 'close', code, reason, payload });
  }
}

/** Section 7.4: the codes a close frame may carry (1004-1006 and 1015 are never sent). */
export function isSendableCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

export function describeEvent(event: PeerEvent): string {
  switch (event.kind) {
    case 'message':
      return `${event.opcode === Op.TEXT ? 'text' : 'binary'}(${event.payload.length} B in ${event.frames})`;
    case 'ping':
    case 'pong':
      return `${event.kind}(${event.payload.toString('hex')})`;
    case 'close':
      return `close(${event.code ?? 'no code'}${event.reason.length > 0 ? ` '${event.reason.toString()}'` : ''})`;
    default:
      return 'end';
  }
}

/** The write sizes 'bytes' chunking uses for `length` bytes (see the constants above). */
export function chopPlan(length: number): number[] {
  if (length <= BYTEWISE_ALL_MAX) return [1];
  const sizes: number[] = new Array(BYTEWISE_EDGE).fill(1);
  let middle = length - 2 * BYTEWISE_EDGE;
  while (middle > 0) {
    const size = Math.min(MIDDLE_CHOP, middle);
    sizes.push(size);
    middle -= size;
  }
  for (let i = 0; i < BYTEWISE_EDGE; i++) sizes.push(1);
  return sizes;
}

/** One turn of the event loop: what the other side of a loopback connection in this process needs to read. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function acceptKeyFor(key: string): string {
  return createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
}

/** Reads an HTTP head (up to CRLF CRLF) from a socket; resolves with it and the bytes after it. */
function readHead(socket: Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('timed out waiting for the HTTP head')), WAIT_MS);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0) {
        finish(null, { head: received.subarray(0, end).toString('latin1'), rest: received.subarray(end + 4) });
      } else if (received.length > MAX_HEAD_BYTES) {
        finish(new Error('HTTP head too long'));
      }
    };
    const onClose = () => finish(new Error(`the connection closed during the handshake: '${received.toString()}'`));
    const finish = (error: Error | null, value?: { head: string; rest: Buffer }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      if (error !== null) reject(error);
      else resolve(value as { head: string; rest: Buffer });
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
  });
}

/** Header fields of an HTTP head, names lower-cased; repeated fields joined with ', '. */
function headerFields(head: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    fields.set(name, fields.has(name) ? `${fields.get(name)}, ${value}` : value);
  }
  return fields;
}

/**
 * Connects to a WebSocket server on 127.0.0.1:port as a raw client: sends the upgrade request (section
 * 4.1), checks the 101 and its Sec-WebSocket-Accept, and returns the peer ready for frames.
 */
export async function openRawClient(port: number, path = '/'): Promise<RawPeer> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const key = randomBytes(16).toString('base64');
  const reading = readHead(socket);
  socket.write(
    [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  const { head, rest } = await reading;
  const status = head.slice(0, head.indexOf('\r\n'));
  const fields = headerFields(head);
  const problem = !/^HTTP\/1\.1 101 /.test(status)
    ? `status line '${status}'`
    : fields.get('upgrade')?.toLowerCase() !== 'websocket'
      ? 'Upgrade is not websocket'
      : !/\bupgrade\b/i.test(fields.get('connection') ?? '')
        ? 'Connection lacks upgrade'
        : fields.get('sec-websocket-accept') !== acceptKeyFor(key)
          ? 'wrong Sec-WebSocket-Accept'
          : null;
  if (problem !== null) {
    socket.destroy();
    throw new Error(`the server refused the upgrade: ${problem}`);
  }
  return new RawPeer(socket, 'client', rest);
}

/** A raw WebSocket server on 127.0.0.1 that answers each upgrade by hand and hands over the peers. */
export interface RawServer {
  readonly port: number;
  readonly url: string;
  /** The connection from this client port, once its handshake has completed. */
  peerFrom(port: number): Promise<RawPeer>;
  /** Every peer accepted so far. */
  readonly peers: RawPeer[];
  /** Frames to send to the next client in the same write as the 101 response (once). */
  greetNext(bytes: Uint8Array): void;
  close(): Promise<void>;
}

export async function startRawServer(): Promise<RawServer> {
  const peers: RawPeer[] = [];
  const byPort = new Map<number, RawPeer>();
  const sockets = new Set<Socket>();
  const wakers = new Set<() => void>();
  let greeting: Uint8Array | null = null;
  const server: Server = createServer({ allowHalfOpen: true }, async (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let request: { head: string; rest: Buffer };
    try {
      request = await readHead(socket);
    } catch {
      socket.destroy();
      return;
    }
    const fields = headerFields(request.head);
    const key = fields.get('sec-websocket-key');
    if (!request.head.startsWith('GET ') || key === undefined || fields.get('sec-websocket-version') !== '13') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const response = [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptKeyFor(key)}`,
      '',
      '',
    ].join('\r\n');
    socket.write(greeting === null ? response : Buffer.concat([Buffer.from(response, 'latin1'), greeting]));
    greeting = null;
    const peer = new RawPeer(socket, 'server', request.rest);
    peers.push(peer);
    byPort.set(socket.remotePort as number, peer);
    for (const wake of wakers) wake();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    peers,
    greetNext(bytes) {
      greeting = bytes;
    },
    async peerFrom(clientPort) {
      const deadline = Date.now() + WAIT_MS;
      while (!byPort.has(clientPort)) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`timed out waiting for the client on port ${clientPort} to connect to the raw server`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, left);
          function done() {
            clearTimeout(timer);
            wakers.delete(done);
            resolve();
          }
          wakers.add(done);
        });
      }
      const peer = byPort.get(clientPort) as RawPeer;
      byPort.delete(clientPort);
      return peer;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
