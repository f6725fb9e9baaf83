// Reading the HTTP/1.1 head of a request or a response from bytes (RFC 7230 sections 3, 3.1, 3.2), for
// transports without an HTTP parser of their own (web streams, raw sockets). The head is everything up
// to and including the empty line (CRLF CRLF); what follows it belongs to the next protocol, and after
// a 101 response that can be WebSocket frames arriving in the same chunk, so the caller is told where
// the head ends.
//
// Strict where leniency has caused request smuggling and header injection: lines end in CRLF only (a
// bare CR or LF is an error, found as soon as it arrives), obs-fold is refused (section 3.2.4 allows a
// server to answer 400), no whitespace before the colon (section 3.2.4: must be rejected), no control
// characters in values. Two limits, each its own error: the head's size and the number of header lines,
// both checked while bytes arrive, so a peer that never sends the empty line costs at most the limit.

import { DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADER_COUNT } from './defaults.js';
import { InvalidStateError } from './errors.js';
import { HandshakeError, HandshakeErrorCode } from './handshake-error.js';
import { HeaderFields } from './header-fields.js';
import { isToken } from './header-tokens.js';
import { HttpStatus } from './http-status.js';

export { DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADER_COUNT };

export interface HeadLimits {
  /** The largest head in bytes, the final CRLF CRLF included (default DEFAULT_MAX_HEAD_BYTES). */
  maxHeadBytes?: number;
  /** The most header lines, the start line not counted (default DEFAULT_MAX_HEADER_COUNT). */
  maxHeaderCount?: number;
}

export interface RequestHead {
  method: string;
  /** The request-target as sent, e.g. "/chat?room=1" (named `url` as in Node's IncomingMessage). */
  url: string;
  /** "1.1", as Node's `httpVersion`. */
  httpVersion: string;
  headers: HeaderFields;
}

export interface ResponseHead {
  /** "1.1", as Node's `httpVersion`. */
  httpVersion: string;
  status: number;
  reason: string;
  headers: HeaderFields;
}

export type HeadParse<Head> =
  | { readonly kind: 'need-more' }
  /** `headLength`: bytes the head took, from the first byte given; later bytes are not the head's. */
  | { readonly kind: 'complete'; readonly head: Head; readonly headLength: number }
  | { readonly kind: 'error'; readonly error: HandshakeError };

export type HeadKind = 'request' | 'response';

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const HTAB = 0x09;
const DEL = 0x7f;

const NEED_MORE = Object.freeze({ kind: 'need-more' as const });

// A head split across chunks is gathered in a buffer that starts this large and doubles, up to the limit:
// most handshake heads are 150-500 bytes.
const FIRST_BUFFER_BYTES = 1024;

function resolveLimits(limits: HeadLimits): Required<HeadLimits> {
  const maxHeadBytes = limits.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
  const maxHeaderCount = limits.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT;
  if (!Number.isSafeInteger(maxHeadBytes) || maxHeadBytes < 4) {
    throw new RangeError(`maxHeadBytes must be an integer of at least 4, got ${maxHeadBytes}`);
  }
  if (!Number.isSafeInteger(maxHeaderCount) || maxHeaderCount < 0) {
    throw new RangeError(`maxHeaderCount must be a non-negative integer, got ${maxHeaderCount}`);
  }
  return { maxHeadBytes, maxHeaderCount };
}

function malformed(message: string): HandshakeError {
  return new HandshakeError(message, HandshakeErrorCode.MALFORMED_HEAD, { status: HttpStatus.BAD_REQUEST });
}

/**
 * Finds the end of a head while bytes arrive, checking line endings and the two limits on the way.
 * Each byte is looked at once, whatever the chunking.
 */
class HeadBoundaryScanner {
  /** Where the head's start line begins: after any empty lines a request may be preceded by. */
  startLineAt = 0;
  private lineStart = 0;
  private lines = 0;
  private afterCR = false;
  private readonly kind: HeadKind;
  private readonly limits: Required<HeadLimits>;

  constructor(kind: HeadKind, limits: Required<HeadLimits>) {
    this.kind = kind;
    this.limits = limits;
  }

  /**
   * Scans bytes[from, to), bytes[0] being the head's first byte. Returns the head's total length once
   * its empty line is seen, 0 to wait for more, or an error.
   */
  scan(bytes: Uint8Array, from: number, to: number): number | HandshakeError {
    const { maxHeadBytes, maxHeaderCount } = this.limits;
    for (let position = from; position < to; position++) {
      if (position >= maxHeadBytes) {
        return new HandshakeError(`HTTP head larger than ${maxHeadBytes} bytes`, HandshakeErrorCode.HEAD_TOO_LARGE, {
          status: HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
        });
      }
      const byte = bytes[position];
      if (this.afterCR) {
        this.afterCR = false;
        if (byte !== LF) return malformed(`CR not followed by LF at byte ${position}`);
        const lineLength = position - 1 - this.lineStart;
        this.lineStart = position + 1;
        if (lineLength === 0) {
          // RFC 7230 section 3.5: a server should ignore empty lines before the request-line.
          if (this.lines === 0 && this.kind === 'request') {
            this.startLineAt = position + 1;
            continue;
          }
          if (this.lines === 0) return malformed('Empty status line');
          return position + 1;
        }
        this.lines++;
        // The start line plus maxHeaderCount header lines are allowed.
        if (this.lines > maxHeaderCount + 1) {
          return new HandshakeError(`More than ${maxHeaderCount} header fields`, HandshakeErrorCode.TOO_MANY_HEADERS, {
            status: HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          });
        }
      } else if (byte === CR) {
        this.afterCR = true;
      } else if (byte === LF) {
        return malformed(`LF without CR at byte ${position}`);
      }
    }
    return 0;
  }
}

/** bytes[start, end) as a string of one character per byte (ISO-8859-1, as Node decodes heads). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  // fromCharCode takes its bytes as arguments: chunked so that no call has too many.
  const CHUNK = 4096;
  let text = '';
  for (let at = start; at < end; at += CHUNK) {
    const piece = bytes.subarray(at, Math.min(end, at + CHUNK));
    text += String.fromCharCode.apply(null, piece as unknown as number[]);
  }
  return text;
}

/** "HTTP/" DIGIT "." DIGIT (RFC 7230 section 2.6) → "1.1", or null. */
function readHttpVersion(text: string): string | null {
  if (text.length !== 8 || !text.startsWith('HTTP/') || text[6] !== '.') return null;
  const major = text.charCodeAt(5);
  const minor = text.charCodeAt(7);
  if (major < 0x30 || major > 0x39 || minor < 0x30 || minor > 0x39) return null;
  return text.slice(5);
}

/** True when every character is VCHAR (request-target, RFC 7230 section 5.3: no spaces or controls). */
function isVisibleAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= SPACE || code >= DEL) return false;
  }
  return text.length > 0;
}

/** field-value and reason-phrase characters: HTAB, SP, VCHAR, obs-text (RFC 7230 sections 3.1.2, 3.2). */
function isFieldText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < SPACE && code !== HTAB) || code === DEL) return false;
  }
  return true;
}

function parseRequestLine(line: string): Omit<RequestHead, 'headers'> | HandshakeError {
  // request-line = method SP request-target SP HTTP-version (section 3.1.1)
  const firstSpace = line.indexOf(' ');
  const secondSpace = firstSpace === -1 ? -1 : line.indexOf(' ', firstSpace + 1);
  if (secondSpace === -1) return malformed('Malformed request line');
  const method = line.slice(0, firstSpace);
  const url = line.slice(firstSpace + 1, secondSpace);
  const httpVersion = readHttpVersion(line.slice(secondSpace + 1));
  if (!isToken(method)) return malformed('Malformed request line: invalid method');
  if (!isVisibleAscii(url)) return malformed('Malformed request line: invalid request-target');
  if (httpVersion === null) return malformed('Malformed request line: invalid HTTP version');
  return { method, url, httpVersion };
}

function parseStatusLine(line: string): Omit<ResponseHead, 'headers'> | HandshakeError {
  // status-line = HTTP-version SP status-code SP reason-phrase (section 3.1.2). Some servers leave out
  // the SP before an empty reason-phrase; that is accepted.
  const httpVersion = readHttpVersion(line.slice(0, 8));
  if (httpVersion === null || line.charCodeAt(8) !== SPACE) return malformed('Malformed status line');
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const digit = line.charCodeAt(i) - 0x30;
    if (!(digit >= 0 && digit <= 9)) return malformed('Malformed status line: invalid status code');
    status = status * 10 + digit;
  }
  if (line.length > 12 && line.charCodeAt(12) !== SPACE) return malformed('Malformed status line: invalid status code');
  const reason = line.slice(13);
  if (!isFieldText(reason)) return malformed('Malformed status line: invalid reason phrase');
  return { httpVersion, status, reason };
}

/** Reads the header lines of `text` (each ending CRLF, the last being the empty line) into fields. */
function parseFieldLines(text: string, from: number): HeaderFields | HandshakeError {
  const fields = new HeaderFields();
  let lineStart = from;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', lineStart);
    if (lineEnd === lineStart) return fields;
    const first = text.charCodeAt(lineStart);
    if (first === SPACE || first === HTAB) {
      return malformed('Obsolete line folding (obs-fold) is not accepted (RFC 7230 section 3.2.4)');
    }
    const colon = text.indexOf(':', lineStart);
    if (colon === -1 || colon > lineEnd) return malformed('Header line without a colon');
    const name = text.slice(lineStart, colon);
    if (!isToken(name)) return malformed(`Invalid header name ${JSON.stringify(name)}`);
    const value = text.slice(colon + 1, lineEnd);
    if (!isFieldText(value)) return malformed(`Invalid character in the value of header ${name}`);
    fields.append(name, value);
    lineStart = lineEnd + 2;
  }
}

/** Parses a complete head, bytes[start, headLength), whose line endings the scanner has checked. */
function parseHead(
  kind: HeadKind,
  bytes: Uint8Array,
  startLineAt: number,
  headLength: number,
): RequestHead | ResponseHead | HandshakeError {
  const text = latin1(bytes, startLineAt, headLength);
  const startLineEnd = text.indexOf('\r\n');
  const startLine = text.slice(0, startLineEnd);
  const parsedStart = kind === 'request' ? parseRequestLine(startLine) : parseStatusLine(startLine);
  if (parsedStart instanceof HandshakeError) return parsedStart;
  const headers = parseFieldLines(text, startLineEnd + 2);
  if (headers instanceof HandshakeError) return headers;
  return { ...parsedStart, headers } as RequestHead | ResponseHead;
}

function parseWhole<Head>(kind: HeadKind, bytes: Uint8Array, limits: HeadLimits): HeadParse<Head> {
  const scanner = new HeadBoundaryScanner(kind, resolveLimits(limits));
  const found = scanner.scan(bytes, 0, bytes.length);
  if (found instanceof HandshakeError) return { kind: 'error', error: found };
  if (found === 0) return NEED_MORE;
  const head = parseHead(kind, bytes, scanner.startLineAt, found);
  if (head instanceof HandshakeError) return { kind: 'error', error: head };
  return { kind: 'complete', head: head as Head, headLength: found };
}

/**
 * Parses the request head at the start of `bytes`. For bytes that arrive in pieces, HeadReader avoids
 * scanning the same bytes again on each call.
 */
export function parseRequestHead(bytes: Uint8Array, limits: HeadLimits = {}): HeadParse<RequestHead> {
  return parseWhole('request', bytes, limits);
}

/** Parses the response head at the start of `bytes` (see parseRequestHead). */
export function parseResponseHead(bytes: Uint8Array, limits: HeadLimits = {}): HeadParse<ResponseHead> {
  return parseWhole('response', bytes, limits);
}

/** What HeadReader.push gives once the head is complete: also the bytes of that chunk after the head. */
export type HeadReaderResult<Head> =
  | Exclude<HeadParse<Head>, { kind: 'complete' }>
  | { readonly kind: 'complete'; readonly head: Head; readonly headLength: number; readonly rest: Uint8Array };

/**
 * Reads a head from chunks as they arrive. Each byte is scanned once; the reader copies at most
 * maxHeadBytes + 1 of them (none when the head and its end arrive in one chunk), and `rest` is a view of the
 * last chunk's bytes after the head: the first frames of the connection, possibly.
 */
export class HeadReader<Head extends RequestHead | ResponseHead> {
  private readonly kind: HeadKind;
  private readonly scanner: HeadBoundaryScanner;
  private readonly maxHeadBytes: number;
  private buffer: Uint8Array = new Uint8Array(0);
  private buffered = 0;
  private finished = false;

  constructor(kind: Head extends RequestHead ? 'request' : 'response', limits: HeadLimits = {}) {
    const resolved = resolveLimits(limits);
    this.kind = kind;
    this.maxHeadBytes = resolved.maxHeadBytes;
    this.scanner = new HeadBoundaryScanner(kind, resolved);
  }

  push(chunk: Uint8Array): HeadReaderResult<Head> {
    if (this.finished) throw new InvalidStateError('HeadReader.push() after the head was complete or refused');
    if (this.buffered === 0) {
      // The common case, the whole head in the first chunk: parse it where it lies.
      const found = this.scanner.scan(chunk, 0, chunk.length);
      if (found !== 0) return this.finish(found, chunk, 0);
      this.append(chunk);
      return NEED_MORE;
    }
    const offset = this.buffered;
    // Only bytes that can still belong to the head are kept; the scanner fails at the limit anyway.
    const kept = chunk.subarray(0, Math.min(chunk.length, this.maxHeadBytes - offset + 1));
    this.append(kept);
    const found = this.scanner.scan(this.buffer, offset, this.buffered);
    if (found !== 0) return this.finish(found, chunk, offset);
    return NEED_MORE;
  }

  private append(bytes: Uint8Array): void {
    const needed = this.buffered + bytes.length;
    if (needed > this.buffer.length) {
      const size = Math.max(needed, this.buffer.length * 2, FIRST_BUFFER_BYTES);
      const grown = new Uint8Array(Math.min(size, this.maxHeadBytes + 1));
      grown.set(this.buffer.subarray(0, this.buffered));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.buffered);
    this.buffered = needed;
  }

  /** `chunk` is the last chunk; `chunkOffset` the head position of its first byte. */
  private finish(found: number | HandshakeError, chunk: Uint8Array, chunkOffset: number): HeadReaderResult<Head> {
    this.finished = true;
    if (found instanceof HandshakeError) {
      this.buffer = new Uint8Array(0);
      return { kind: 'error', error: found };
    }
    const source = chunkOffset === 0 && this.buffered === 0 ? chunk : this.buffer;
    const head = parseHead(this.kind, source, this.scanner.startLineAt, found);
    this.buffer = new Uint8Array(0);
    if (head instanceof HandshakeError) return { kind: 'error', error: head };
    return { kind: 'complete', head: head as Head, headLength: found, rest: chunk.subarray(found - chunkOffset) };
  }
}
