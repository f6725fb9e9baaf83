// permessage-deflate's compression in Node, on node:zlib (RFC 7692 section 7.2).
//
// Two memory modes:
// - dedicated (ws's way, the default): each connection has its own raw deflate and inflate streams, made
//   on first use, so context takeover can carry the LZ77 window from message to message. With a 32 KiB
//   window they cost about 300 KiB per connection once used.
// - shared (bounded memory, like uWS's shared compressor): both directions negotiate no context
//   takeover, so no connection needs a window of its own. Messages borrow an engine from one process-wide
//   pool of `concurrencyLimit` engines and give it back reset. Received compressed fragments are kept
//   (compressed) until the last one and inflated in one go, so an idle or slow peer never holds an engine;
//   each outgoing fragment is compressed on its own, ending on a full flush, so fragments of one message
//   may go through different engines and still form one valid DEFLATE stream.
// Either way a process-wide limit on concurrent zlib jobs (concurrencyLimit, as in ws) keeps memory
// fragmentation in check, and inflating stops the moment a message passes its size limit.

import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  type InflateRaw,
  type ZlibOptions,
} from 'node:zlib';
import { type CodecCallback, type DeflateCodec, InflateLimitError } from '../protocol/deflate-codec.js';

/** RFC 7692 section 7.2.1: a sync flush ends with these bytes, which are removed from a message's end. */
const SYNC_FLUSH_TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export interface ZlibCodecSettings {
  /** Window bits our compressor may use (the negotiated max for our side); null: never compress. */
  deflateWindowBits: number | null;
  /** Window bits the peer compresses with (the negotiated max for its side). */
  inflateWindowBits: number;
  /** Reset our compressor after each message (our side's no_context_takeover). */
  deflateNoContextTakeover: boolean;
  /** Reset the decompressor after each message (the peer's no_context_takeover). */
  inflateNoContextTakeover: boolean;
  zlibDeflateOptions?: ZlibOptions;
  zlibInflateOptions?: ZlibOptions;
}

/** Runs at most `limit` zlib jobs at a time, process-wide; the rest wait in order. */
class JobLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  run(job: (done: () => void) => void): void {
    if (this.running < this.limit) {
      this.running++;
      job(() => this.finish());
    } else {
      this.waiting.push(() => job(() => this.finish()));
    }
  }

  private finish(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    else next();
  }
}

let limiter: JobLimiter | null = null;

/** The process-wide job limiter; the first connection's concurrencyLimit sets it (as in ws). */
function jobLimiter(concurrencyLimit: number): JobLimiter {
  if (limiter === null) limiter = new JobLimiter(concurrencyLimit > 0 ? concurrencyLimit : Number.POSITIVE_INFINITY);
  return limiter;
}

type Stream = DeflateRaw | InflateRaw;

/**
 * Writes data through a zlib stream and collects what one flush produces, stopping at `limit` bytes.
 * `ended` tells that the DEFLATE stream ended (a block with BFINAL set, RFC 7692 section 7.2.3.4): zlib
 * then consumes no more input, and Node's stream has pushed its end, so it can never inflate again.
 */
function flushThrough(
  stream: Stream,
  pieces: readonly Uint8Array[],
  flush: number,
  /** The most bytes the output may reach: Infinity for no limit, so that a budget of 0 allows none. */
  limit: number,
  callback: (error: Error | null, output: Buffer[], total: number, ended: boolean) => void,
): void {
  const output: Buffer[] = [];
  let total = 0;
  let finished = false;
  // bytesWritten counts the input zlib has consumed.
  const consumedBefore = stream.bytesWritten;
  const input = pieces.reduce((n, piece) => n + piece.length, 0);
  const finish = (error: Error | null) => {
    if (finished) return;
    finished = true;
    stream.removeListener('data', onData);
    stream.removeListener('error', onError);
    callback(error, output, total, stream.bytesWritten - consumedBefore < input);
  };
  const onData = (chunk: Buffer) => {
    total += chunk.length;
    if (total > limit) {
      finish(new InflateLimitError(`inflated size passed ${limit} bytes`));
      return;
    }
    output.push(chunk);
  };
  const onError = (error: Error) => finish(error);
  stream.on('data', onData);
  stream.on('error', onError);
  for (const piece of pieces) stream.write(piece);
  stream.flush(flush, () => finish(null));
}

/** Removes the 4-byte sync-flush trailer from the end of a message's output, across pieces if need be. */
function stripTrailer(output: Buffer[]): Buffer[] {
  let remove = SYNC_FLUSH_TRAILER.length;
  const pieces = output.slice();
  while (remove > 0 && pieces.length > 0) {
    const last = pieces[pieces.length - 1];
    if (last.length <= remove) {
      remove -= last.length;
      pieces.pop();
    } else {
      pieces[pieces.length - 1] = last.subarray(0, last.length - remove);
      remove = 0;
    }
  }
  return pieces;
}

/** A connection's own deflate and inflate streams (dedicated mode). */
export class DedicatedZlibCodec implements DeflateCodec {
  private readonly settings: ZlibCodecSettings;
  private readonly limiter: JobLimiter;
  private deflater: DeflateRaw | null = null;
  private inflater: InflateRaw | null = null;
  /** Bytes inflated so far for the message being received. */
  private inflated = 0;
  /** Compressed bytes received so far for the message being received. */
  private received = 0;
  /**
   * Set when the message being received ended its DEFLATE stream with a BFINAL block: the rest of it
   * (the padding and 00 00 FF FF of section 7.2.3.4) is not inflated, and the next message gets a new
   * inflater, since zlib's stream cannot go on past its end.
   */
  private streamEnded = false;
  private disposed = false;

  constructor(settings: ZlibCodecSettings, concurrencyLimit: number) {
    this.settings = settings;
    this.limiter = jobLimiter(concurrencyLimit);
  }

  compress(data: Uint8Array, fin: boolean, callback: CodecCallback): void {
    const windowBits = this.settings.deflateWindowBits;
    if (windowBits === null) {
      callback(new Error('compression was not negotiated for this side'), []);
      return;
    }
    this.limiter.run((done) => {
      if (this.disposed) return done();
      this.deflater ??= createDeflateRaw({ ...this.settings.zlibDeflateOptions, windowBits });
      const deflater = this.deflater;
      flushThrough(deflater, [data], constants.Z_SYNC_FLUSH, Number.POSITIVE_INFINITY, (error, output) => {
        done();
        if (this.disposed) return;
        if (error !== null) {
          this.deflater = null;
          callback(error, []);
          return;
        }
        if (fin && this.settings.deflateNoContextTakeover) deflater.reset();
        callback(null, fin ? stripTrailer(output) : output);
      });
    });
  }

  decompress(data: Uint8Array, fin: boolean, limit: number, callback: CodecCallback): void {
    this.received += data.length;
    // A compressed message with no payload at all is empty: the trailer alone would leave the inflater
    // inside a stored block, where the next message's bytes would be taken as this one's data.
    const nothingToInflate = this.streamEnded || (fin && this.received === 0);
    if (nothingToInflate) {
      if (fin) this.endMessage();
      callback(null, []);
      return;
    }
    this.limiter.run((done) => {
      if (this.disposed) return done();
      this.inflater ??= createInflateRaw({
        ...this.settings.zlibInflateOptions,
        windowBits: this.settings.inflateWindowBits,
      });
      const inflater = this.inflater;
      const pieces = fin ? [data, SYNC_FLUSH_TRAILER] : [data];
      // What this message may still produce: 0 once earlier fragments reached the limit exactly.
      const budget = limit > 0 ? limit - this.inflated : Number.POSITIVE_INFINITY;
      flushThrough(inflater, pieces, constants.Z_SYNC_FLUSH, budget, (error, output, total, ended) => {
        done();
        if (this.disposed) return;
        if (error !== null || ended) {
          // Mid-message, broken, or past its end: this stream cannot serve another message.
          inflater.close();
          this.inflater = null;
        }
        if (error !== null) {
          this.inflated = 0;
          this.received = 0;
          callback(error, []);
          return;
        }
        this.inflated += total;
        if (ended) this.streamEnded = true;
        if (fin) {
          this.endMessage();
          if (this.settings.inflateNoContextTakeover) this.inflater?.reset();
        }
        callback(null, output);
      });
    });
  }

  private endMessage(): void {
    this.inflated = 0;
    this.received = 0;
    this.streamEnded = false;
  }

  dispose(): void {
    this.disposed = true;
    this.deflater?.close();
    this.inflater?.close();
    this.deflater = null;
    this.inflater = null;
  }
}

/** The process-wide engines of shared mode, each reset after every job. */
class EnginePool {
  private readonly idleDeflaters = new Map<string, DeflateRaw[]>();
  private readonly idleInflaters: InflateRaw[] = [];
  private readonly limiter: JobLimiter;

  constructor(concurrencyLimit: number) {
    this.limiter = jobLimiter(concurrencyLimit);
  }

  deflate(options: ZlibOptions, pieces: readonly Uint8Array[], fin: boolean, callback: CodecCallback): void {
    this.limiter.run((done) => {
      const key = JSON.stringify(options);
      const idle = this.idleDeflaters.get(key) ?? [];
      this.idleDeflaters.set(key, idle);
      const engine = idle.pop() ?? createDeflateRaw(options);
      // A full flush makes each fragment independent of the engine's earlier input, so fragments of one
      // message may each take any engine; the last one's sync flush trailer is then removed.
      const flush = fin ? constants.Z_SYNC_FLUSH : constants.Z_FULL_FLUSH;
      flushThrough(engine, pieces, flush, Number.POSITIVE_INFINITY, (error, output) => {
        done();
        if (error !== null) {
          engine.close();
          callback(error, []);
          return;
        }
        engine.reset();
        idle.push(engine);
        callback(null, fin ? stripTrailer(output) : output);
      });
    });
  }

  inflate(options: ZlibOptions, pieces: readonly Uint8Array[], limit: number, callback: CodecCallback): void {
    // A compressed message with no payload at all is empty (see DedicatedZlibCodec.decompress).
    if (pieces.every((piece) => piece.length === 0)) {
      callback(null, []);
      return;
    }
    this.limiter.run((done) => {
      const engine = this.idleInflaters.pop() ?? createInflateRaw({ ...options, windowBits: 15 });
      flushThrough(
        engine,
        [...pieces, SYNC_FLUSH_TRAILER],
        constants.Z_SYNC_FLUSH,
        limit,
        (error, output, _, ended) => {
          done();
          // An engine whose DEFLATE stream ended (a BFINAL block) has ended its Node stream too: a reset
          // would not revive it, and the next message through it, from any connection, would fail.
          if (error !== null || ended) engine.close();
          if (error !== null) {
            callback(error, []);
            return;
          }
          if (!ended) {
            engine.reset();
            this.idleInflaters.push(engine);
          }
          callback(null, output);
        },
      );
    });
  }
}

let pool: EnginePool | null = null;

/**
 * A connection's view of the shared pool (shared mode): no zlib state of its own, only the compressed
 * fragments of a message still arriving.
 */
export class SharedZlibCodec implements DeflateCodec {
  private readonly pool: EnginePool;
  private readonly deflateOptions: ZlibOptions | null;
  private readonly inflateOptions: ZlibOptions;
  private received: Uint8Array[] = [];

  constructor(settings: ZlibCodecSettings, concurrencyLimit: number) {
    pool ??= new EnginePool(concurrencyLimit);
    this.pool = pool;
    // Inflaters use the largest window, which reads what any smaller one wrote.
    this.inflateOptions = { ...settings.zlibInflateOptions };
    this.deflateOptions =
      settings.deflateWindowBits === null
        ? null
        : { ...settings.zlibDeflateOptions, windowBits: settings.deflateWindowBits };
  }

  compress(data: Uint8Array, fin: boolean, callback: CodecCallback): void {
    if (this.deflateOptions === null) {
      callback(new Error('compression was not negotiated for this side'), []);
      return;
    }
    this.pool.deflate(this.deflateOptions, [data], fin, callback);
  }

  decompress(data: Uint8Array, fin: boolean, limit: number, callback: CodecCallback): void {
    this.received.push(data);
    if (!fin) {
      callback(null, []);
      return;
    }
    const pieces = this.received;
    this.received = [];
    this.pool.inflate(this.inflateOptions, pieces, limit > 0 ? limit : Number.POSITIVE_INFINITY, callback);
  }

  dispose(): void {
    this.received = [];
  }
}
