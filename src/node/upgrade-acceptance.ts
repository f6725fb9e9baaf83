// One path for accepting a WebSocket, whichever HTTP version brought it. An HTTP/1.1 Upgrade (RFC 6455
// section 4.2) and an HTTP/2 extended CONNECT (RFC 8441 section 5) go through the same steps here: the
// header-count cap, the connection caps and the origin allow-list, a slot reserved under the caps while
// the handshake is in progress (connection-slots.ts), the transport's checks of the request, the
// server's path, permessage-deflate negotiation (RFC 7692 section 5), verifyClient (at once, or through
// its callback within handshakeTimeout), handleProtocols, the 'headers' event and wsClientError; then the
// WebSocket takes the socket or stream over. The transports keep only what differs (UpgradeTransport):
// how the request is checked, and how a 101, a 200 or a refusal is written (http1-upgrade.ts,
// http2-server.ts).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as DEFAULTS from '../protocol/defaults.js';
import { HandshakeError, HandshakeErrorCode, type HandshakeFailure } from '../protocol/handshake-error.js';
import { HeaderFields } from '../protocol/header-fields.js';
import type { ParsedExtension } from '../protocol/header-tokens.js';
import { DEFAULT_MAX_HEADER_COUNT } from '../protocol/http-head.js';
import type { HeaderInput } from '../protocol/http-head-writer.js';
import { HttpStatus } from '../protocol/http-status.js';
import { OriginAllowList } from '../protocol/origin.js';
import { acceptDeflateOffer } from '../protocol/permessage-deflate.js';
import { ConnectionCounts, type Slot } from './connection-slots.js';
import { deflateOptionsOf, deflateSettings } from './deflate-setup.js';
import { publishOpen, publishRefused, type RefusalReason } from './diagnostics.js';
import type { WebSocket } from './websocket.js';
import type { VerifyClientCallback, VerifyClientInfo, WebSocketServer } from './websocket-server.js';

/** ws's default for how long an upgrade may take, an asynchronous verifyClient included. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = DEFAULTS.DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS;

/** The answer to a verifyClient that did not call back within handshakeTimeout (RFC 9110 section 15.5.9). */
const REQUEST_TIMEOUT = 408;
/** The answer past maxConnectionsPerAddress (RFC 6585 section 4). */
const TOO_MANY_REQUESTS = 429;

/** What a valid request offers, as the transport's checks read it. */
export interface OfferedUpgrade {
  /** Sec-WebSocket-Key; over HTTP/2 only when the client sent one (RFC 8441 does not use it). */
  key: string | undefined;
  /** The subprotocols offered, in the client's order of preference. */
  protocols: string[];
  /** The extensions offered, in the client's order of preference. */
  extensions: ParsedExtension[];
  /** The Origin field (Sec-WebSocket-Origin from a version-8 client), or undefined. */
  origin: string | undefined;
}

export type UpgradeCheck = { readonly ok: true; readonly request: OfferedUpgrade } | HandshakeFailure;

/** What differs between HTTP/1.1 and HTTP/2 in accepting one WebSocket. */
export interface UpgradeTransport {
  /** The socket or stream the WebSocket will run over; its 'close' frees the handshake's slot. */
  readonly duplex: Duplex;
  /** What came after the request head (HTTP/1.1), read as the connection's first bytes. */
  readonly head: Buffer;
  /** Whether the connection is TLS (verifyClient's info.secure). */
  readonly secure: boolean;
  /** How the WebSocket drops this transport abruptly, when destroy() is not the way (see Agreement). */
  readonly abortTransport: (() => void) | undefined;
  /** How the server closes this transport first after the closing handshake, when ending it is not enough. */
  readonly closeTransport: (() => void) | undefined;
  /** True when the client went away (ended or reset) while verifyClient decided. */
  readonly gone: boolean;
  /** The transport's checks of the request: RFC 6455 section 4.2.1, or RFC 8441 sections 4 and 5. */
  check(): UpgradeCheck;
  /** Throws when this socket or stream was answered before (handed over twice). */
  assertUnanswered(): void;
  /** Answers with a refusal, and ends the transport. */
  refuse(status: number, message?: string, headers?: HeaderInput): void;
  /** The success answer as lines, for 'headers' listeners to edit (ws's event). */
  acceptLines(key: string | undefined, protocol: string | undefined, extensions: string | undefined): string[];
  /** Writes the success answer from the lines as the listeners left them. */
  accept(lines: string[]): void;
}

/** Receives each WebSocket accepted, with its request (handleUpgrade's callback). */
export type AcceptedCallback = (ws: WebSocket, request: IncomingMessage) => void;

type Negotiated = ReturnType<typeof acceptDeflateOffer>;

/** A WebSocketServer's acceptance of upgrades, and its count of connections under the caps. */
export class UpgradeAcceptor {
  private readonly server: WebSocketServer;
  /** Connections and handshakes in progress, for maxConnections and maxConnectionsPerAddress. */
  private readonly counts = new ConnectionCounts();
  /** allowedOrigins, serialized (RFC 6454); null when every origin is let in. */
  private readonly originAllowList: OriginAllowList | null;

  /** Built once the server's options have been checked. */
  constructor(server: WebSocketServer) {
    this.server = server;
    const allowed = server.options.allowedOrigins;
    this.originAllowList = allowed === undefined ? null : OriginAllowList.from(allowed);
  }

  /** Completes (or refuses) one upgrade; `cb` receives the new WebSocket. */
  accept(request: IncomingMessage, transport: UpgradeTransport, cb: AcceptedCallback): void {
    const limited = this.limitProblem(request);
    if (limited !== null) {
      this.refuse(request, transport, limited.error, limited.reason);
      return;
    }
    // Counted from now on, so that handshakes arriving while this one is checked see it.
    const slot = this.counts.reserve(remoteAddressOf(request), transport.duplex);
    let verifying = false;
    try {
      verifying = this.check(request, transport, slot, cb);
    } finally {
      // Every way out but a connection (a refusal, an exception) frees the slot (release() does nothing
      // once the connection has it); an asynchronous verifyClient holds it until it answers, times out,
      // or the transport closes.
      if (!verifying) slot.release();
    }
  }

  /** A connection accepted here closed: its place under the caps is free. */
  connectionClosed(address: string): void {
    this.counts.remove(address);
  }

  /** Why the limits refuse this request (the status to answer, the code for wsClientError), or null. */
  private limitProblem(request: IncomingMessage): { error: HandshakeError; reason: RefusalReason } | null {
    const {
      maxConnections = 0,
      maxConnectionsPerAddress = 0,
      maxHeaderCount = DEFAULT_MAX_HEADER_COUNT,
    } = this.server.options;
    if (maxHeaderCount > 0 && request.rawHeaders.length / 2 > maxHeaderCount) {
      const error = new HandshakeError(
        `More than ${maxHeaderCount} header fields`,
        HandshakeErrorCode.TOO_MANY_HEADERS,
        {
          status: HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
        },
      );
      return { error, reason: 'too-many-headers' };
    }
    // Both caps count connections open and handshakes in progress (connection-slots.ts).
    if (maxConnections > 0 && this.counts.total >= maxConnections) {
      const error = new HandshakeError('Too many connections', HandshakeErrorCode.TOO_MANY_CONNECTIONS, {
        status: HttpStatus.SERVICE_UNAVAILABLE,
      });
      return { error, reason: 'max-connections' };
    }
    if (maxConnectionsPerAddress > 0 && this.counts.from(remoteAddressOf(request)) >= maxConnectionsPerAddress) {
      const error = new HandshakeError(
        'Too many connections from this address',
        HandshakeErrorCode.TOO_MANY_CONNECTIONS,
        {
          status: TOO_MANY_REQUESTS,
        },
      );
      return { error, reason: 'max-connections-per-address' };
    }
    if (this.originAllowList !== null && !originsAdmitted(this.originAllowList, request.rawHeaders)) {
      const error = new HandshakeError('Origin not allowed', HandshakeErrorCode.ORIGIN_NOT_ALLOWED, {
        status: HttpStatus.FORBIDDEN,
      });
      return { error, reason: 'origin' };
    }
    return null;
  }

  /**
   * The transport's checks and the application's, then the answer or a refusal. Returns true while an
   * asynchronous verifyClient decides (the handshake, and its slot, are still in progress).
   */
  private check(request: IncomingMessage, transport: UpgradeTransport, slot: Slot, cb: AcceptedCallback): boolean {
    const checked = transport.check();
    if (!checked.ok) {
      const reason =
        checked.error.code === HandshakeErrorCode.UNSUPPORTED_VERSION ? 'unsupported-version' : 'bad-handshake';
      this.refuse(request, transport, checked.error, reason);
      return false;
    }
    const offer = checked.request;
    if (!this.server.shouldHandle(request)) {
      this.answerRefusal(request, transport, HttpStatus.BAD_REQUEST, 'path');
      return false;
    }
    const options = this.server.options;
    const deflateOptions = deflateOptionsOf(options.perMessageDeflate);
    const deflate: Negotiated =
      deflateOptions !== null && offer.extensions.length > 0
        ? acceptDeflateOffer(deflateOptions, offer.extensions)
        : null;
    const verifyClient = options.verifyClient;
    if (!verifyClient) {
      this.complete(request, transport, offer, deflate, slot, cb);
      return false;
    }
    const info: VerifyClientInfo = {
      origin: offer.origin as string, // undefined without one, as in ws (see VerifyClientInfo)
      secure: transport.secure,
      req: request,
    };
    if (verifyClient.length === 2) {
      // An asynchronous verifyClient that never answers must not hold the transport (nor its slot) forever.
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        slot.release();
        this.answerRefusal(request, transport, REQUEST_TIMEOUT, 'verify-client-timeout');
      }, options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
      deadline.unref();
      (verifyClient as (info: VerifyClientInfo, callback: VerifyClientCallback) => void)(
        info,
        (verified, code, message, headers) => {
          clearTimeout(deadline);
          if (timedOut) return;
          try {
            if (!verified) {
              this.answerRefusal(
                request,
                transport,
                code || HttpStatus.UNAUTHORIZED,
                'verify-client',
                message,
                headers,
              );
            } else this.complete(request, transport, offer, deflate, slot, cb);
          } finally {
            slot.release();
          }
        },
      );
      return true;
    }
    if (!(verifyClient as (info: VerifyClientInfo) => boolean)(info)) {
      this.answerRefusal(request, transport, HttpStatus.UNAUTHORIZED, 'verify-client');
      return false;
    }
    this.complete(request, transport, offer, deflate, slot, cb);
    return false;
  }

  private complete(
    request: IncomingMessage,
    transport: UpgradeTransport,
    offer: OfferedUpgrade,
    deflate: Negotiated,
    slot: Slot,
    cb: AcceptedCallback,
  ): void {
    // The client may have gone (ended, or reset the stream, and its slot been freed) while verifyClient ran.
    if (transport.gone || !slot.reserved) {
      transport.duplex.destroy();
      return;
    }
    transport.assertUnanswered();
    const server = this.server;
    if (!server._running) {
      this.answerRefusal(request, transport, HttpStatus.SERVICE_UNAVAILABLE, 'server-closing');
      return;
    }
    const options = server.options;
    // Constructed as ws does, with (null, undefined, the server's options).
    const ws = new options.WebSocket(null, undefined, options);
    let protocol: string | undefined;
    if (offer.protocols.length > 0) {
      const protocols = new Set(offer.protocols);
      const chosen = options.handleProtocols ? options.handleProtocols(protocols, request) : offer.protocols[0];
      if (chosen) protocol = chosen;
    }
    const lines = transport.acceptLines(offer.key, protocol, deflate?.response);
    // Listeners may add headers (ws's 'headers' event).
    server.emit('headers', lines, request);
    transport.accept(lines);
    ws._adopt(transport.duplex, transport.head, options, {
      protocol,
      extensions: deflate?.response,
      deflate:
        deflate === null
          ? undefined
          : deflateSettings(deflate.agreement, 'server', deflateOptionsOf(options.perMessageDeflate) ?? {}),
      abortTransport: transport.abortTransport,
      closeTransport: transport.closeTransport,
      server,
    });
    // The count is the connection's from now on, until it closes (connectionClosed).
    slot.handOver();
    server._track(ws, slot.address);
    publishOpen(ws, 'server', request.url ?? '', transport.duplex, request.httpVersion === '2.0' ? '2' : '1.1');
    cb(ws, request);
  }

  /** A refusal with ws's wsClientError hook: a listener gets (error, socket or stream, request) and answers itself. */
  private refuse(
    request: IncomingMessage,
    transport: UpgradeTransport,
    refusal: HandshakeError,
    reason: RefusalReason,
  ): void {
    const status = refusal.status ?? HttpStatus.BAD_REQUEST;
    if (this.server.listenerCount('wsClientError') > 0) {
      publishRefused(this.server, request, status, reason, refusal.message);
      // A plain Error with the code, as listeners have always been given (ws's has only the message).
      const error = Object.assign(new Error(refusal.message), { code: refusal.code });
      this.server.emit('wsClientError', error, transport.duplex, request);
      return;
    }
    this.answerRefusal(request, transport, status, reason, refusal.message, refusal.headers);
  }

  /** Every refusal the server answers itself goes out here, published first (diagnostics.ts). */
  private answerRefusal(
    request: IncomingMessage,
    transport: UpgradeTransport,
    status: number,
    reason: RefusalReason,
    message?: string,
    headers?: HeaderInput,
  ): void {
    publishRefused(this.server, request, status, reason, message);
    transport.refuse(status, message, headers);
  }
}

/** The client's address as the per-address cap counts it (an HTTP/2 request's socket is its session's). */
function remoteAddressOf(request: IncomingMessage): string {
  return request.socket?.remoteAddress ?? '';
}

/**
 * Whether every origin the request claims is allowed: the Origin field (RFC 6455 section 4.1 item 8,
 * HTTP/2's origin field alike) and Sec-WebSocket-Origin, the name drafts up to version 8 used (ws reads
 * it for version 8). Each is checked by itself when present, so neither can vouch for the other.
 */
function originsAdmitted(allowList: OriginAllowList, rawHeaders: readonly string[]): boolean {
  const fields = HeaderFields.fromRawPairs(rawHeaders);
  return allowList.admits(fields.getAll('origin')) && allowList.admits(fields.getAll('sec-websocket-origin'));
}
