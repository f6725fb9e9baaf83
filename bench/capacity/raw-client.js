// The capacity generator's connections: plain TCP sockets that do the opening handshake by hand
// (RFC 6455 section 4.1) and then hand every read to the session, with no WebSocket library in between.
// Reads land in one buffer shared by all of this process's sockets (net's `onread`: Node reads into it and
// calls back synchronously, so nothing is allocated per read and one buffer serves every socket).

import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/** Section 1.3: the GUID appended to the key for Sec-WebSocket-Accept. */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Bytes read per socket read. Large enough that a read of 1 MiB frames is a few calls, not hundreds. */
const READ_BUFFER_BYTES = 256 * 1024;
/** A handshake response longer than this is not one (servers answer in a few hundred bytes). */
const MAX_RESPONSE_HEAD = 16 * 1024;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Handshakes in progress at once while opening many connections. */
const OPEN_CONCURRENCY = 64;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

/**
 * One connection. After open(), onBytes(buffer, start, end) is called for every read (the buffer is reused
 * after the call returns), and onClose(hadError) once when the socket closes.
 */
export class RawConnection {
  constructor() {
    this.socket = null;
    this.onBytes = null;
    this.onClose = null;
    this.closed = false;
    this.error = null;
  }

  /** Connects and shakes hands with ws://host:port/path; resolves when the 101 has been checked. */
  open(host, port, path) {
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1')
      .update(key + ACCEPT_GUID)
      .digest('base64');
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      let settled = false;
      const fail = (error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new Error(`handshake with ${host}:${port}${path} took over ${HANDSHAKE_TIMEOUT_MS} ms`)),
        HANDSHAKE_TIMEOUT_MS,
      );
      const socket = connect({
        host,
        port,
        noDelay: true,
        onread: {
          buffer: readBuffer,
          callback: (length, buffer) => {
            if (settled) {
              this.onBytes?.(buffer, 0, length);
              return;
            }
            head = Buffer.concat([head, buffer.subarray(0, length)]);
            const end = head.indexOf(HEAD_END);
            if (end < 0) {
              if (head.length > MAX_RESPONSE_HEAD) fail(new Error('handshake response too long'));
              return;
            }
            const problem = checkResponse(head.subarray(0, end).toString('latin1'), accept);
            if (problem !== null) {
              fail(new Error(`handshake with ${host}:${port}${path}: ${problem}`));
              return;
            }
            settled = true;
            clearTimeout(timer);
            resolve(this);
            // Frames the server sent right behind the 101 (none of our servers do; check them all the same).
            const rest = head.subarray(end + HEAD_END.length);
            if (rest.length > 0) this.onBytes?.(rest, 0, rest.length);
          },
        },
      });
      this.socket = socket;
      socket.on('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.on('error', (error) => {
        this.error ??= error;
        fail(error);
      });
      socket.on('close', (hadError) => {
        this.closed = true;
        fail(new Error(`connection to ${host}:${port}${path} closed during the handshake`));
        this.onClose?.(hadError);
      });
    });
  }

  write(bytes) {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Sends `closeFrame` and half-closes; resolves when the socket has closed or after timeoutMs (then destroys it). */
  close(closeFrame, timeoutMs) {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve(false);
      }, timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.socket.end(closeFrame);
    });
  }
}

/** null when the response head is a valid 101 for this key (section 4.1, the client's checks), else why not. */
function checkResponse(head, expectedAccept) {
  const [statusLine, ...lines] = head.split('\r\n');
  if (!/^HTTP\/1\.1 101 /.test(`${statusLine} `)) return `status ${JSON.stringify(statusLine)}`;
  const headers = new Map();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return 'no Upgrade: websocket';
  if (headers.get('sec-websocket-accept') !== expectedAccept) return 'wrong Sec-WebSocket-Accept';
  if (headers.has('sec-websocket-extensions')) return 'the server accepted an extension nobody offered';
  return null;
}

/**
 * Opens `count` connections to ws://host:port/path, OPEN_CONCURRENCY at a time. prepare(connection, index)
 * runs before each handshake (to set onBytes/onClose). If any fails, destroys the ones that opened and throws.
 */
export async function openConnections(host, port, path, count, prepare) {
  const connections = [];
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < count && failures.length === 0) {
      const index = next++;
      const connection = new RawConnection();
      prepare(connection, index);
      try {
        connections[index] = await connection.open(host, port, path);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  if (failures.length > 0) {
    for (const connection of connections) connection?.socket.destroy();
    throw new Error(`bench: ${failures.length} of ${count} connections failed: ${failures[0].message}`);
  }
  return connections;
}

/** Closes every connection cleanly (a close frame, then FIN); returns how many had to be destroyed. */
export async function closeConnections(connections, closeFrame, timeoutMs) {
  const clean = await Promise.all(connections.map((c) => c.close(closeFrame, timeoutMs)));
  return clean.filter((ok) => !ok).length;
}
