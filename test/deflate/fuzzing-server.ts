// A stand-in for Autobahn's fuzzingserver in its client mode, for groups 12 and 13 (autobahn-cases.ts):
// it reads a client's permessage-deflate offers as Autobahn does, lets the case's accept function choose
// (or refuse, and the case is UNIMPLEMENTED), answers the handshake, then plays the case: compressed
// messages out, each echo read back and compared, then a close the client must answer with 1000.
// What the client compresses is decoded by the independent decoder (deflate-inspector.ts), which also
// checks the agreed window and context takeover; what this server compresses is checked the same way
// before it is sent, so a case never depends on a peer that breaks the agreement itself.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { within } from '../support/waits.ts';
import {
  type AutobahnCase,
  autobahnResponse,
  caseMessage,
  type OfferReading,
  readAutobahnOffers,
} from './autobahn-cases.ts';
import { inspectDeflate } from './deflate-inspector.ts';
import { OurMessages } from './harness.ts';
import { MessageDeflater, split } from './messages.ts';
import { OPCODE, RawEnd, RSV1, readHead } from './wire.ts';

export type Behavior = 'OK' | 'FAILED' | 'UNIMPLEMENTED';

export interface CaseVerdict {
  id: string;
  behavior: Behavior;
  /** Why it failed, or (OK) the Sec-WebSocket-Extensions response. */
  result: string;
  /** How many of the client's echoes came compressed (RSV1). */
  compressedEchoes: number;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

interface PendingCase {
  autobahnCase: AutobahnCase;
  messages: number;
  resolve: (verdict: CaseVerdict) => void;
}

export class FuzzingServer {
  private readonly server: Server;
  private readonly reading: OfferReading;
  private readonly pending = new Map<string, PendingCase>();
  private readonly sockets = new Set<Socket>();
  port = 0;

  private constructor(reading: OfferReading) {
    this.reading = reading;
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => this.sockets.delete(socket));
      void this.serve(socket);
    });
  }

  static async start(reading: OfferReading): Promise<FuzzingServer> {
    const fuzzing = new FuzzingServer(reading);
    fuzzing.server.listen(0, '127.0.0.1');
    await within(once(fuzzing.server, 'listening'), 'the fuzzing server to listen');
    fuzzing.port = (fuzzing.server.address() as { port: number }).port;
    return fuzzing;
  }

  /**
   * Plays one case: `connect` is called with the case's URL and must open a client there that echoes
   * every message with its type. Resolves with the verdict once the case is over (it never rejects).
   */
  run(autobahnCase: AutobahnCase, messages: number, connect: (url: string) => void): Promise<CaseVerdict> {
    const verdict = new Promise<CaseVerdict>((resolve) => {
      this.pending.set(autobahnCase.id, { autobahnCase, messages, resolve });
    });
    connect(`ws://127.0.0.1:${this.port}/runCase?case=${autobahnCase.id}`);
    return verdict;
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }

  private async serve(socket: Socket): Promise<void> {
    const head = await readHead(socket, 'the upgrade request').catch(() => null);
    if (head === null) return;
    const id = new URL(head.startLine.split(' ')[1] ?? '/', 'ws://fuzzing').searchParams.get('case') ?? '';
    const pending = this.pending.get(id);
    if (pending === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.pending.delete(id);
    let compressedEchoes = 0;
    const finish = (behavior: Behavior, result: string) => {
      socket.destroy();
      pending.resolve({ id, behavior, result, compressedEchoes });
    };
    try {
      await this.play(socket, head, pending, finish, () => compressedEchoes++);
    } catch (error) {
      finish('FAILED', (error as Error).message);
    }
  }

  private async play(
    socket: Socket,
    head: Awaited<ReturnType<typeof readHead>>,
    pending: PendingCase,
    finish: (behavior: Behavior, result: string) => void,
    countCompressed: () => void,
  ): Promise<void> {
    const offers = readAutobahnOffers(head.headers.get('sec-websocket-extensions'), this.reading);
    if (offers === 'refused') {
      // Autobahn fails the handshake on an offer its parser rejects.
      socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      finish('FAILED', `handshake refused (400): ${head.headers.get('sec-websocket-extensions')}`);
      return;
    }
    const accepted = pending.autobahnCase.accept(offers);
    const key = head.headers.get('sec-websocket-key') ?? '';
    const lines = [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${createHash('sha1').update(`${key}${GUID}`).digest('base64')}`,
    ];
    const response = accepted === null ? null : autobahnResponse(accepted);
    if (response !== null) lines.push(`Sec-WebSocket-Extensions: ${response}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const end = new RawEnd(socket, head.rest, false);
    if (accepted === null) {
      // As Autobahn: no compression agreed, nothing to test; close normally.
      await closeNormally(end);
      finish('UNIMPLEMENTED', `no offer accepted: ${head.headers.get('sec-websocket-extensions') ?? 'none made'}`);
      return;
    }
    const serverBits = accepted.offer.requestMaxWindowBits || 15;
    const serverNoContextTakeover = accepted.offer.requestNoContextTakeover;
    const clientBits = accepted.requestMaxWindowBits || 15;
    const clientNoContextTakeover = accepted.requestNoContextTakeover;
    // zlib cannot compress raw deflate into 8 bits; 9 bits reach back 250 bytes at most, checked below.
    const deflater = new MessageDeflater({
      windowBits: Math.max(9, serverBits),
      noContextTakeover: serverNoContextTakeover,
    });
    const ours = new OurMessages(end, clientBits, !clientNoContextTakeover);
    let history: Uint8Array = new Uint8Array(0);
    const { data, size } = pending.autobahnCase;
    const opcode = data.binary ? OPCODE.BINARY : OPCODE.TEXT;
    try {
      for (let n = 0; n < pending.messages; n++) {
        const message = caseMessage(data, size.length, n);
        const compressed = await deflater.compress(message);
        // This server keeps to the agreement too: its own distances and context, checked before sending.
        const own = inspectDeflate(compressed, serverNoContextTakeover ? undefined : history);
        if (own.maxDistance > 2 ** serverBits || !Buffer.from(own.output).equals(message)) {
          throw new Error(`the fuzzing server broke its own agreement (distance ${own.maxDistance})`);
        }
        history = serverNoContextTakeover ? history : Buffer.concat([history, own.output]).subarray(-32768);
        const pieces = size.autoFragmentSize > 0 ? split(compressed, size.autoFragmentSize) : [compressed];
        end.sendFrames(
          pieces.map((payload, index) => ({
            opcode: index === 0 ? opcode : OPCODE.CONTINUATION,
            rsv: index === 0 ? RSV1 : 0,
            fin: index === pieces.length - 1,
            payload,
          })),
        );
        const echo = await ours.next();
        if (echo.compressed) countCompressed();
        if (echo.opcode !== opcode) {
          finish('FAILED', `message ${n}: echoed as opcode ${echo.opcode}, sent as ${opcode}`);
          return;
        }
        if (!echo.data.equals(message)) {
          finish('FAILED', `message ${n}: echo of ${echo.data.length} B differs from the ${message.length} B sent`);
          return;
        }
      }
    } finally {
      deflater.close();
    }
    const code = await closeNormally(end);
    if (code !== 1000) {
      finish('FAILED', `the client answered the close with ${code}`);
      return;
    }
    finish('OK', response ?? '');
  }
}

/** Sends a close (1000) and waits for the client's close frame; returns its code. */
async function closeNormally(end: RawEnd): Promise<number> {
  end.sendFrame({ opcode: OPCODE.CLOSE, payload: Buffer.from([0x03, 0xe8]) });
  return end.closeCode();
}
