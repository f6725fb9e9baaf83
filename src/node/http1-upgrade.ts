// What accepting a WebSocket over HTTP/1.1 does that HTTP/2 does not (the shared path is
// upgrade-acceptance.ts): the request head Node parsed is checked against RFC 6455 section 4.2.1, and
// the answer is written on the socket itself: the 101 of section 4.2.2, or a plain HTTP refusal after
// which the socket is closed.

import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { computeAccept } from '../protocol/handshake-key.js';
import { acceptResponseLines, refusalResponse, validateUpgradeRequest } from '../protocol/handshake-server.js';
import { HeaderFields } from '../protocol/header-fields.js';
import type { HeaderInput } from '../protocol/http-head-writer.js';
import { sha1 } from './platform.js';
import type { UpgradeCheck, UpgradeTransport } from './upgrade-acceptance.js';

/** Marks a socket answered with a 101, so that a second handleUpgrade of it throws. */
const kUpgraded = Symbol('wasmsocket upgraded');
type MarkedSocket = Duplex & { [kUpgraded]?: boolean };

/** One upgrade request on its socket (handleUpgrade's arguments). */
export class Http1Upgrade implements UpgradeTransport {
  readonly duplex: Duplex;
  readonly head: Buffer;
  readonly abortTransport = undefined;
  readonly closeTransport = undefined;
  private readonly request: IncomingMessage;

  constructor(request: IncomingMessage, socket: Duplex, head: Buffer) {
    this.request = request;
    this.duplex = socket;
    this.head = head;
    // Until the WebSocket takes the socket over, a socket error only ends it.
    socket.on('error', destroyOnError);
  }

  get secure(): boolean {
    return Boolean((this.request.socket as { encrypted?: boolean }).encrypted);
  }

  get gone(): boolean {
    return !this.duplex.readable || !this.duplex.writable;
  }

  check(): UpgradeCheck {
    const request = this.request;
    return validateUpgradeRequest({
      method: request.method ?? '',
      httpVersion: request.httpVersion,
      url: request.url ?? '',
      // Node's request.headers keeps only the first Host; the raw pairs show a duplicate.
      headers: HeaderFields.fromRawPairs(request.rawHeaders),
    });
  }

  assertUnanswered(): void {
    if ((this.duplex as MarkedSocket)[kUpgraded]) {
      throw new Error(
        'server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration',
      );
    }
  }

  refuse(status: number, message?: string, headers?: HeaderInput): void {
    writeRefusal(this.duplex, status, message, headers);
  }

  acceptLines(key: string | undefined, protocol: string | undefined, extensions: string | undefined): string[] {
    // The checks of section 4.2.1 made sure of a key.
    return acceptResponseLines({ accept: computeAccept(key as string, sha1), protocol, extensions });
  }

  accept(lines: string[]): void {
    const socket = this.duplex;
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    socket.removeListener('error', destroyOnError);
    (socket as MarkedSocket)[kUpgraded] = true;
  }
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
export function writeRefusal(socket: Duplex, status: number, message?: string, headers?: HeaderInput): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(refusalResponse({ status, message: message ?? STATUS_CODES[status], headers }));
}
