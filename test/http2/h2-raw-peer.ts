// A WebSocket peer written by hand over one HTTP/2 stream (RFC 8441), for frame-level conformance tests:
// it sends frames built byte by byte (test/support/frames.ts), whole or one byte per write, and records
// what wasmsocket sends back frame by frame, with the end of its stream (END_STREAM) and resets
// (RST_STREAM). Every breach of RFC 6455 section 5 it finds while parsing goes into `violations`.
//
// As the client (against our server) it masks what it sends and expects unmasked frames; as the server
// (against our client) the reverse (section 5.1; RFC 8441 section 5 keeps masking as it is).

import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { ClientHttp2Stream, ServerHttp2Stream } from 'node:http2';
import { encodeFrame, type RawFrame } from '../support/frames.ts';
import { WAIT_MS } from '../support/waits.ts';

/** Opcodes as the wire carries them (section 5.2). */
export const Op = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** The largest control-frame payload (section 5.5). */
const MAX_CONTROL_PAYLOAD = 125;

export type PeerEvent =
  | { kind: 'message'; opcode: number; payload: Buffer; frames: number }
  | { kind: 'ping'; payload: Buffer }
  | { kind: 'pong'; payload: Buffer }
  | { kind: 'close'; code: number | null; reason: Buffer }
  /** END_STREAM from wasmsocket: the orderly end of its side (RFC 8441 section 6). */
  | { kind: 'end' };

/** A frame to send; the peer masks it when it is the client, unless maskKey is null. */
export type FrameSpec = Omit<RawFrame, 'maskKey'> & { maskKey?: Uint8Array | null };

/** 'whole': everything a send() gets in one write; 'bytes': one byte per write, a turn apart. */
export type Chunking = 'whole' | 'bytes';

type Stream = ClientHttp2Stream | ServerHttp2Stream;

export class H2RawPeer {
  readonly role: 'client' | 'server';
  readonly stream: Stream;
  readonly events: PeerEvent[] = [];
  readonly violations: string[] = [];
  /** 'aborted' seen: the stream was reset while our side was still open. */
  aborted = false;
  /** Resolves when the stream is closed (both ends, or a reset). */
  readonly streamClosed: Promise<void>;
  private buffer: Buffer = Buffer.alloc(0);
  private messageOpcode = 0;
  private messageParts: Buffer[] = [];
  private closeSeen = false;
  private readIndex = 0;
  private wake: (() => void) | null = null;

  constructor(stream: Stream, role: 'client' | 'server') {
    this.stream = stream;
    this.role = role;
    this.streamClosed = new Promise((resolve) => stream.once('close', () => resolve()));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    // END_STREAM ends the readable side before anything else; after a reset Node also ends it, but only
    // once 'aborted' has been emitted, and that 'end' is not an END_STREAM from wasmsocket.
    stream.on('end', () => {
      if (!this.aborted) this.push({ kind: 'end' });
    });
    stream.on('aborted', () => {
      this.aborted = true;
    });
    stream.on('error', () => {});
  }

  /** The RST_STREAM code the stream closed with (0 for an orderly close). */
  get rstCode(): number | undefined {
    return this.stream.rstCode;
  }

  encode(frame: FrameSpec): Uint8Array {
    const maskKey =
      frame.maskKey === null ? undefined : (frame.maskKey ?? (this.role === 'client' ? randomBytes(4) : undefined));
    return encodeFrame({ ...frame, maskKey });
  }

  async send(frames: (FrameSpec | Uint8Array)[], chunking: Chunking = 'whole'): Promise<void> {
    const bytes = Buffer.concat(frames.map((frame) => (frame instanceof Uint8Array ? frame : this.encode(frame))));
    if (chunking === 'whole') {
      await this.write(bytes);
      return;
    }
    for (let at = 0; at < bytes.length; at++) {
      if (at > 0) await new Promise((resolve) => setImmediate(resolve));
      await this.write(bytes.subarray(at, at + 1));
    }
  }

  /** Writes in pieces of `size` bytes, a turn apart. */
  async sendChopped(bytes: Uint8Array, size: number): Promise<void> {
    for (let at = 0; at < bytes.length; at += size) {
      if (at > 0) await new Promise((resolve) => setImmediate(resolve));
      await this.write(bytes.subarray(at, at + size));
    }
  }

  private write(bytes: Uint8Array): Promise<void> {
    const stream = this.stream;
    if (stream.destroyed || !stream.writable) return Promise.resolve();
    if (stream.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
  }

  /** The next thing wasmsocket did, waiting for it. */
  async next(what: string): Promise<PeerEvent> {
    const deadline = Date.now() + WAIT_MS;
    while (this.readIndex >= this.events.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; ${this.describe()}`);
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

  describe(): string {
    const shown = this.events.map((event, index) => `${index === this.readIndex ? '>' : ''}${describeEvent(event)}`);
    return `received [${shown.join(', ')}]${this.aborted ? ' then a reset' : ''}${
      this.violations.length > 0 ? `; violations: ${this.violations.join('; ')}` : ''
    }`;
  }

  /** END_STREAM: the orderly end of this side. */
  end(): void {
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
  }

  private push(event: PeerEvent): void {
    this.events.push(event);
    this.wake?.();
  }

  private onData(chunk: Buffer): void {
    if (this.closeSeen) {
      this.violations.push(`${chunk.length} bytes after the close frame`);
      return;
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (!this.closeSeen && this.parseFrame()) {}
    if (this.closeSeen && this.buffer.length > 0) {
      this.violations.push(`${this.buffer.length} bytes after the close frame`);
    }
  }

  /** Takes one complete frame off the buffer; false when more bytes are needed. */
  private parseFrame(): boolean {
    const head = this.buffer;
    if (head.length < 2) return false;
    const masked = (head[1] & 0x80) !== 0;
    const length7 = head[1] & 0x7f;
    const lengthBytes = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
    if (head.length < headerLength) return false;
    const length = length7 === 126 ? head.readUInt16BE(2) : length7 === 127 ? Number(head.readBigUInt64BE(2)) : length7;
    if (head.length < headerLength + length) return false;
    const payload = Buffer.from(head.subarray(headerLength, headerLength + length));
    if (masked) {
      const key = head.subarray(2 + lengthBytes, headerLength);
      for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    }
    this.buffer = head.subarray(headerLength + length);
    const fin = (head[0] & 0x80) !== 0;
    const rsv = head[0] & 0x70;
    const opcode = head[0] & 0x0f;
    // Section 5.1: a server never masks, a client always does.
    if (masked !== (this.role === 'server')) {
      this.violations.push(
        `a frame ${masked ? 'masked' : 'unmasked'} by wasmsocket as the ${this.role === 'client' ? 'server' : 'client'}`,
      );
    }
    if (rsv !== 0) this.violations.push(`RSV bits ${rsv.toString(16)} with no extension`);
    if (lengthBytes === 2 && length < 126) this.violations.push('a length not in its shortest form');
    if (lengthBytes === 8 && length < 0x10000) this.violations.push('a length not in its shortest form');
    if (opcode >= 0x8) {
      if (!fin) this.violations.push('a fragmented control frame');
      if (payload.length > MAX_CONTROL_PAYLOAD) this.violations.push('a control frame over 125 bytes');
    }
    this.onFrame(fin, opcode, payload);
    return true;
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case Op.PING:
        this.push({ kind: 'ping', payload });
        return;
      case Op.PONG:
        this.push({ kind: 'pong', payload });
        return;
      case Op.CLOSE: {
        this.closeSeen = true;
        if (payload.length === 1) this.violations.push('a close payload of 1 byte');
        const reason = payload.subarray(2);
        if (!isUtf8(reason)) this.violations.push('a close reason that is not UTF-8');
        this.push({ kind: 'close', code: payload.length >= 2 ? payload.readUInt16BE(0) : null, reason });
        return;
      }
      case Op.TEXT:
      case Op.BINARY:
        if (this.messageOpcode !== 0) this.violations.push('a message started inside another');
        this.messageOpcode = opcode;
        this.messageParts = [payload];
        break;
      case Op.CONTINUATION:
        if (this.messageOpcode === 0) {
          this.violations.push('a continuation with no message started');
          return;
        }
        this.messageParts.push(payload);
        break;
      default:
        this.violations.push(`reserved opcode ${opcode}`);
        return;
    }
    if (!fin) return;
    const message = Buffer.concat(this.messageParts);
    if (this.messageOpcode === Op.TEXT && !isUtf8(message)) this.violations.push('a text message that is not UTF-8');
    this.push({ kind: 'message', opcode: this.messageOpcode, payload: message, frames: this.messageParts.length });
    this.messageOpcode = 0;
    this.messageParts = [];
  }
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
