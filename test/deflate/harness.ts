// One raw peer facing our endpoint in either role, so that each conformance check (modelled on Autobahn
// groups 12 and 13) runs for our server and for our client with the same bytes:
// - role 'server': our WebSocketServer echoes; the raw peer is a client that offers permessage-deflate;
// - role 'client': our WebSocket echoes; the raw peer is a server that accepts its offer.
// The peer compresses with node:zlib and reads our frames back with an independent DEFLATE decoder that
// also checks the window our side used.

import { constants } from 'node:zlib';
import WebSocket, { WebSocketServer } from '../../src/index.ts';
import type { PerMessageDeflateOptions } from '../../src/protocol/permessage-deflate.ts';
import { WAIT_MS, within } from '../support/waits.ts';
import { type DeflateInspection, inspectDeflate } from './deflate-inspector.ts';
import { MessageDeflater } from './messages.ts';
import { describeFrames, OPCODE, type RawEnd, RSV1, rawClient, rawServer } from './wire.ts';

export type Role = 'server' | 'client';
export type Memory = 'dedicated' | 'shared';

/** What permessage-deflate parameters a Sec-WebSocket-Extensions response holds (one extension). */
export interface Agreement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/** Reads a permessage-deflate response written as the RFC says; throws on anything else. */
export function parseAgreement(header: string | undefined): Agreement {
  if (header === undefined) throw new Error('no Sec-WebSocket-Extensions in the response');
  const [name, ...params] = header.split(';').map((part) => part.trim());
  if (name !== 'permessage-deflate') throw new Error(`unexpected extension '${header}'`);
  const agreement: Agreement = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
  };
  const seen = new Set<string>();
  for (const param of params) {
    const [key, value] = param.split('=').map((part) => part.trim());
    if (seen.has(key)) throw new Error(`duplicate parameter in '${header}'`);
    seen.add(key);
    if (key === 'server_no_context_takeover' && value === undefined) agreement.serverNoContextTakeover = true;
    else if (key === 'client_no_context_takeover' && value === undefined) agreement.clientNoContextTakeover = true;
    else if (key === 'server_max_window_bits' && /^(8|9|1[0-5])$/.test(value ?? '')) {
      agreement.serverMaxWindowBits = Number(value);
    } else if (key === 'client_max_window_bits' && /^(8|9|1[0-5])$/.test(value ?? '')) {
      agreement.clientMaxWindowBits = Number(value);
    } else throw new Error(`invalid parameter '${param}' in '${header}'`);
  }
  return agreement;
}

export interface OurMessage {
  opcode: number;
  compressed: boolean;
  data: Buffer;
  frames: number;
  inspection: DeflateInspection | null;
}

/**
 * Reads the messages our side sends, in order, from the frames a raw end has collected, inflating the
 * compressed ones with inspectDeflate and checking RFC 7692's rules on each: RSV1 only on the first
 * frame (section 6.1), no reference beyond 2^windowBits (section 7.1.2) nor into an earlier message when
 * our side promised no context takeover (section 7.1.1).
 */
export class OurMessages {
  private readonly end: RawEnd;
  private readonly windowBits: number;
  private readonly contextTakeover: boolean;
  private consumed = 0;
  private history = new Uint8Array(0);

  constructor(end: RawEnd, windowBits: number, contextTakeover: boolean) {
    this.end = end;
    this.windowBits = windowBits;
    this.contextTakeover = contextTakeover;
  }

  async next(): Promise<OurMessage> {
    const frames = await this.end.waitFor('a message from our side', (all) => {
      const data = all.slice(this.consumed).filter((frame) => frame.opcode <= OPCODE.BINARY);
      const last = data.findIndex((frame) => frame.fin);
      return last === -1 ? undefined : data.slice(0, last + 1);
    });
    // Skip past the frames used (control frames in between stay in end.frames for the test).
    let dataSeen = 0;
    while (dataSeen < frames.length) {
      if (this.end.frames[this.consumed].opcode <= OPCODE.BINARY) dataSeen++;
      this.consumed++;
    }
    const [first, ...rest] = frames;
    if (first.opcode === OPCODE.CONTINUATION) throw new Error('a message began with a continuation frame');
    if (rest.some((frame) => frame.opcode !== OPCODE.CONTINUATION || frame.rsv !== 0)) {
      throw new Error(`bad continuation frames: ${describeFrames(frames)}`);
    }
    const payload = Buffer.concat(frames.map((frame) => frame.payload));
    const compressed = (first.rsv & RSV1) !== 0;
    if (!compressed)
      return { opcode: first.opcode, compressed, data: payload, frames: frames.length, inspection: null };
    const inspection = inspectDeflate(payload, this.contextTakeover ? this.history : new Uint8Array(0));
    if (inspection.maxDistance > 2 ** this.windowBits) {
      throw new Error(`a back-reference of ${inspection.maxDistance} bytes exceeds the ${this.windowBits}-bit window`);
    }
    if (this.contextTakeover) {
      const joined = Buffer.concat([this.history, inspection.output]);
      this.history = joined.subarray(Math.max(0, joined.length - 32768));
    }
    return {
      opcode: first.opcode,
      compressed,
      data: Buffer.from(inspection.output),
      frames: frames.length,
      inspection,
    };
  }
}

export interface Peer {
  /** The raw end facing our side. */
  end: RawEnd;
  /** What was agreed, read from the response on the wire. */
  agreement: Agreement;
  /** The Sec-WebSocket-Extensions response as it crossed. */
  response: string;
  /** Compresses as the peer must (its window bits and context takeover). */
  deflater: MessageDeflater;
  /** Our side's messages, decoded and checked. */
  ours: OurMessages;
  /** Our side's WebSocket (the server's connection, or our client). */
  socket: WebSocket;
  /** Our side's 'close' event: code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Errors our side reported. */
  errors: Error[];
}

export interface OpenOptions {
  role: Role;
  memory: Memory;
  /** Our side's options besides memory (threshold defaults to 0 here so every message is compressed). */
  deflate?: PerMessageDeflateOptions;
  maxPayload?: number;
  /** Server role: the offer to send. Client role: ignored (our client makes its offer). */
  offer?: string | string[];
  /** Client role: the raw server's response to our client's offer. */
  response?: (offer: string | undefined) => string | null;
}

/** Everything opened, for closeAll() in afterEach. */
const openThings: Array<() => void> = [];

export function closeAll(): void {
  for (const close of openThings.splice(0)) close();
}

/** Our side echoes every message with its type, compressed as its options say. */
function echo(socket: WebSocket): void {
  socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
}

function watch(socket: WebSocket): Pick<Peer, 'closed' | 'errors'> {
  const errors: Error[] = [];
  socket.on('error', (error: Error) => errors.push(error));
  const closed = within(
    new Promise<{ code: number; reason: string }>((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    }),
    "our side's close event",
  );
  // Tests that do not wait for the close must not see a rejection when closeAll ends the connection.
  closed.catch(() => {});
  return { closed, errors };
}

/** Opens our endpoint (in `role`) against a raw peer, echoing, and returns the peer's handle. */
export async function openPeer(options: OpenOptions): Promise<Peer> {
  const deflate: PerMessageDeflateOptions = { threshold: 0, ...options.deflate, memory: options.memory };
  if (options.role === 'server') {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      perMessageDeflate: deflate,
      ...maxPayloadOf(options),
    });
    openThings.push(() => {
      for (const client of server.clients ?? []) client.terminate();
      server.close();
    });
    await within(new Promise((resolve) => server.once('listening', resolve)), 'our server to listen');
    const connected = within(
      new Promise<WebSocket>((resolve) => server.once('connection', resolve)),
      'the connection event',
    );
    const port = (server.address() as { port: number }).port;
    const end = await rawClient(port, options.offer ?? 'permessage-deflate; client_max_window_bits');
    openThings.push(() => end.destroy());
    if (end.status !== 101) throw new Error(`upgrade refused with ${end.status}`);
    const socket = await connected;
    echo(socket);
    const response = end.headers.get('sec-websocket-extensions') ?? '';
    const agreement = parseAgreement(response);
    return {
      end,
      agreement,
      response,
      deflater: peerDeflater(agreement.clientMaxWindowBits, agreement.clientNoContextTakeover),
      ours: new OurMessages(end, agreement.serverMaxWindowBits, !agreement.serverNoContextTakeover),
      socket,
      ...watch(socket),
    };
  }
  const server = await rawServer(
    options.response ??
      (() =>
        options.memory === 'shared'
          ? 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'
          : 'permessage-deflate'),
  );
  openThings.push(() => server.close());
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}`, {
    perMessageDeflate: deflate,
    ...maxPayloadOf(options),
  });
  openThings.push(() => socket.terminate());
  const watched = watch(socket);
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    }),
    'our client to open',
    WAIT_MS,
  );
  echo(socket);
  const end = await server.nextConnection();
  const response = socket.extensions;
  const agreement = parseAgreement(response);
  return {
    end,
    agreement,
    response,
    deflater: peerDeflater(agreement.serverMaxWindowBits, agreement.serverNoContextTakeover),
    ours: new OurMessages(end, agreement.clientMaxWindowBits, !agreement.clientNoContextTakeover),
    socket,
    ...watched,
  };
}

/**
 * The peer's compressor for its agreed window. zlib cannot compress with an 8-bit window (it widens it to
 * 9), so for 8 it codes literals only (Huffman only: no back-references at all), which any window reads.
 */
function peerDeflater(windowBits: number, noContextTakeover: boolean): MessageDeflater {
  const deflater =
    windowBits === 8
      ? new MessageDeflater({ windowBits: 9, strategy: constants.Z_HUFFMAN_ONLY, noContextTakeover })
      : new MessageDeflater({ windowBits, noContextTakeover });
  openThings.push(() => deflater.close());
  return deflater;
}

function maxPayloadOf(options: OpenOptions): { maxPayload?: number } {
  return options.maxPayload === undefined ? {} : { maxPayload: options.maxPayload };
}
