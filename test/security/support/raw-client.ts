// A hostile client over node:net: it writes whatever bytes an attack needs (request heads dribbled a
// byte at a time, frames with lying lengths, floods) and reads back the server's answer: the HTTP status
// of a refused upgrade, or the server's frames (unmasked, RFC 6455 section 5.1) after a 101.

import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { encodeFrame, type RawFrame } from '../../support/frames.ts';
import { WAIT_MS } from '../../support/waits.ts';

export const Op = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface ServerFrame {
  opcode: number;
  fin: boolean;
  payload: Buffer;
}

/** A client frame: masked with a fresh random key (section 5.3), unless `maskKey` says otherwise. */
export function clientFrame(frame: RawFrame): Buffer {
  return Buffer.from(encodeFrame({ maskKey: randomBytes(4), ...frame }));
}

/** The header of a masked frame that declares `length` bytes of payload (none of which follow). */
export function declaredLengthHeader(opcode: number, length: bigint): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x80 | opcode;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(length, 2);
  randomBytes(4).copy(header, 10);
  return header;
}

export const VALID_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** The request head of a valid upgrade, with fields added or replaced (a null value removes the field). */
export function upgradeRequest(fields: Record<string, string | null> = {}, requestLine = 'GET / HTTP/1.1'): string {
  const base: Record<string, string | null> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': VALID_KEY,
    'Sec-WebSocket-Version': '13',
    ...fields,
  };
  const lines = Object.entries(base)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => `${name}: ${value}`);
  return `${requestLine}\r\n${lines.join('\r\n')}\r\n\r\n`;
}

export class RawClient {
  readonly socket: Socket;
  /** Everything received before the upgrade completed (or all of it, when it was refused). */
  head = '';
  readonly frames: ServerFrame[] = [];
  /** Whether the TCP connection has closed (both ways). */
  closed = false;
  /** Whether the server ended its side (FIN) or the connection closed. */
  ended = false;
  private pending: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private readonly waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.ended = true;
      this.wake();
    });
  }

  /**
   * Opens a TCP connection. With allowHalfOpen, the server's FIN does not end our side: a peer that
   * never closes, however the server closes.
   */
  static async open(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    return new RawClient(socket);
  }

  /** Opens a connection and completes an upgrade; rejects with the status line when it is refused. */
  static async upgrade(
    port: number,
    fields: Record<string, string | null> = {},
    options: { allowHalfOpen?: boolean } = {},
  ): Promise<RawClient> {
    const client = await RawClient.open(port, options);
    client.socket.write(upgradeRequest(fields));
    await client.until(() => client.upgraded || client.closed, 'the 101 response');
    if (!client.upgraded) throw new Error(`upgrade refused: ${client.statusLine()}`);
    return client;
  }

  /** The first line the server answered with. */
  statusLine(): string {
    return this.head.split('\r\n')[0];
  }

  /** The value of a header field of the server's HTTP answer, or undefined. */
  responseHeader(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const line of this.head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).toLowerCase() === lower) return line.slice(colon + 1).trim();
    }
    return undefined;
  }

  write(bytes: Uint8Array | string): boolean {
    return this.socket.write(bytes);
  }

  /** The close frame the server sent: its code (1005 for none), or undefined if none came. */
  closeCode(): number | undefined {
    const close = this.frames.find((f) => f.opcode === Op.CLOSE);
    if (close === undefined) return undefined;
    return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
  }

  /** Resolves once `condition` holds (checked on every arrival), or rejects after timeoutMs. */
  until(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for the server's close frame and returns its code. */
  async closeFrame(): Promise<number> {
    await this.until(() => this.closeCode() !== undefined || this.closed, 'a close frame');
    const code = this.closeCode();
    if (code === undefined) throw new Error('the connection closed without a close frame');
    return code;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }

  private onData(chunk: Buffer): void {
    if (!this.upgraded) {
      const text = chunk.toString('latin1');
      const end = (this.head + text).indexOf('\r\n\r\n');
      if (end === -1 || !(this.head + text).startsWith('HTTP/1.1 101')) {
        this.head += text;
        this.wake();
        return;
      }
      const all = this.head + text;
      this.head = all.slice(0, end + 4);
      this.upgraded = true;
      chunk = Buffer.from(all.slice(end + 4), 'latin1');
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.parseFrames();
    this.wake();
  }

  private parseFrames(): void {
    for (;;) {
      const bytes = this.pending;
      if (bytes.length < 2) return;
      const len7 = bytes[1] & 0x7f;
      const masked = (bytes[1] & 0x80) !== 0;
      let at = 2;
      let length = len7;
      if (len7 === 126) {
        if (bytes.length < 4) return;
        length = bytes.readUInt16BE(2);
        at = 4;
      } else if (len7 === 127) {
        if (bytes.length < 10) return;
        length = Number(bytes.readBigUInt64BE(2));
        at = 10;
      }
      const keyAt = at;
      if (masked) at += 4;
      if (bytes.length < at + length) return;
      const payload = Buffer.from(bytes.subarray(at, at + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= bytes[keyAt + (i & 3)];
      this.frames.push({ opcode: bytes[0] & 0x0f, fin: (bytes[0] & 0x80) !== 0, payload });
      this.pending = bytes.subarray(at + length);
    }
  }
}

/** Sends a request head (all at once) on a new connection and returns the status line of the answer. */
export async function requestStatus(
  port: number,
  head: string | Buffer,
): Promise<{ status: string; client: RawClient }> {
  const client = await RawClient.open(port);
  client.write(head);
  await client.until(() => client.head.includes('\r\n') || client.closed, 'an answer to the request');
  return { status: client.statusLine(), client };
}
