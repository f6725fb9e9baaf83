// Autobahn|Testsuite's compression groups as data, for the client-role run in conformance.node.test.ts:
// group 12 (five data sets, default offer) and group 13 (one data set, seven ways for the server to accept),
// each over the same 18 sizes and fragmentations, 216 cases in all. What each case does is Autobahn's
// (autobahntestsuite/case/case12_x_x.py, read through the search tool; nothing copied): the server sends
// COUNT messages of LEN bytes taken one after another from the data set (wrapping at its end), compressed
// and cut into frames of AUTOFRAGSIZE bytes of compressed payload (0: one frame), waits for each echo
// and compares type, length and hash; the case passes if every echo matches and the client answers the
// server's close (1000) cleanly. A case whose handshake agrees no permessage-deflate is UNIMPLEMENTED.
//
// Autobahn's files (Goethe's Faust, a 512x512 bitmap, a PDF, a JSON and an HTML file) are not here; each
// data set below is made to resemble its kind (text with umlauts, a smooth image, a mix of stored and
// already-compressed streams, JSON, HTML), deterministically. The text sets are ASCII, as Autobahn's
// are, so that any slice of them is valid UTF-8.

import { noiseBytes } from './messages.ts';

/** One size of groups 12 and 13: payload length, Autobahn's message count, and its auto-fragment size. */
export interface CaseSize {
  length: number;
  autobahnCount: number;
  autoFragmentSize: number;
}

/** Autobahn's MSG_SIZES, in order: cases 12.x.1-18 and 13.x.1-18. */
export const CASE_SIZES: readonly CaseSize[] = [
  [16, 0],
  [64, 0],
  [256, 0],
  [1024, 0],
  [4096, 0],
  [8192, 0],
  [16384, 0],
  [32768, 0],
  [65536, 0],
  [131072, 0],
  [8192, 256],
  [16384, 256],
  [32768, 256],
  [65536, 256],
  [131072, 256],
  [131072, 1024],
  [131072, 4096],
  [131072, 32768],
].map(([length, autoFragmentSize]) => ({ length, autobahnCount: 1000, autoFragmentSize }));

export interface DataSet {
  name: string;
  description: string;
  /** Sent as binary messages (Autobahn sends the text of Faust as binary too), else as text. */
  binary: boolean;
  bytes: Buffer;
}

/** Bytes from a seed, read as a stream of small choices. */
class Choices {
  private readonly bytes: Buffer;
  private at = 0;

  constructor(seed: string, length: number) {
    this.bytes = noiseBytes(length, seed);
  }

  /** An integer from 0 to n - 1 (n at most 65536). */
  below(n: number): number {
    const value = this.bytes.readUInt16BE(this.at % (this.bytes.length - 1));
    this.at += 2;
    return value % n;
  }
}

const DATA_SET_BYTES = 256 * 1024;

/** Verse-like German text: words with umlauts and ß, lines of a few words, stanzas. */
function germanVerse(): Buffer {
  const words = [
    'Habe',
    'nun',
    'ach',
    'Philosophie',
    'Juristerei',
    'und',
    'Medizin',
    'leider',
    'auch',
    'Theologie',
    'durchaus',
    'studiert',
    'mit',
    'heißem',
    'Bemühn',
    'da',
    'steh',
    'ich',
    'armer',
    'Tor',
    'bin',
    'so',
    'klug',
    'als',
    'wie',
    'zuvor',
    'heiße',
    'Magister',
    'Doktor',
    'gar',
    'zieh',
    'schon',
    'an',
    'die',
    'zehen',
    'Jahr',
    'herauf',
    'herab',
    'quer',
    'krumm',
    'meine',
    'Schüler',
    'Nase',
    'herum',
    'sehe',
    'daß',
    'wir',
    'nichts',
    'wissen',
    'können',
    'Das',
    'will',
    'mir',
    'schier',
    'Herz',
    'verbrennen',
    'Geist',
    'Natur',
    'Welt',
    'Erde',
    'Himmel',
    'Mephistopheles',
    'Faust',
    'Gretchen',
    'Wagner',
    'Nacht',
  ];
  const choices = new Choices('faust', 200_000);
  const lines: string[] = [];
  let size = 0;
  while (size < DATA_SET_BYTES) {
    const count = 3 + choices.below(6);
    const line = Array.from({ length: count }, () => words[choices.below(words.length)]).join(' ');
    const text = `${line}${choices.below(4) === 0 ? '.\n\n' : ',\n'}`;
    lines.push(text);
    size += Buffer.byteLength(text);
  }
  return Buffer.from(lines.join('')).subarray(0, DATA_SET_BYTES);
}

/** A 512x512 8-bit greyscale bitmap: a BMP header, then smooth shading with a little grain. */
function greyscaleBitmap(): Buffer {
  const width = 512;
  const header = Buffer.alloc(54 + 1024);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(header.length + width * width, 2);
  header.writeUInt32LE(header.length, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(width, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(8, 28);
  for (let grey = 0; grey < 256; grey++) header.writeUInt32LE(grey * 0x010101, 54 + grey * 4);
  const grain = noiseBytes(width * width, 'lena grain');
  const pixels = Buffer.alloc(width * width);
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      const shade = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 53) + 40 * Math.sin((x + y) / 91);
      pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(shade + (grain[y * width + x] & 7) - 4)));
    }
  }
  return Buffer.concat([header, pixels]).subarray(0, DATA_SET_BYTES);
}

/** PDF-like: text objects between streams of noise (as already-compressed content is). */
function pdfLike(): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let size = parts[0].length;
  const choices = new Choices('ooms', 20_000);
  for (let object = 1; size < DATA_SET_BYTES; object++) {
    const streamLength = 200 + choices.below(3000);
    const head = Buffer.from(
      `${object} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${streamLength} /Filter /FlateDecode ` +
        `/Length ${streamLength} >>\nstream\n`,
    );
    const stream = noiseBytes(streamLength, `ooms stream ${object}`);
    const tail = Buffer.from(`\nendstream\nendobj\n${object} 0 obj\n<< /Font /F${object % 7} /Size 12 >>\nendobj\n`);
    parts.push(head, stream, tail);
    size += head.length + stream.length + tail.length;
  }
  return Buffer.concat(parts).subarray(0, DATA_SET_BYTES);
}

/** ASCII JSON: an array of records with repeated keys and varied values. */
function jsonData(): Buffer {
  const choices = new Choices('json', 200_000);
  const cities = ['Berlin', 'Zurich', 'Vienna', 'Paris', 'Lisbon', 'Oslo', 'Prague', 'Madrid'];
  const records: string[] = ['['];
  let size = 1;
  for (let id = 0; size < DATA_SET_BYTES; id++) {
    const record =
      `{"id":${id},"guid":"${noiseBytes(8, `guid ${id}`).toString('hex')}","isActive":${choices.below(2) === 0},` +
      `"balance":"$${choices.below(4000)}.${choices.below(100)}","age":${20 + choices.below(50)},` +
      `"city":"${cities[choices.below(cities.length)]}","tags":["tag${choices.below(30)}","tag${choices.below(30)}"]},\n`;
    records.push(record);
    size += record.length;
  }
  return Buffer.from(records.join(''), 'latin1').subarray(0, DATA_SET_BYTES);
}

/** ASCII HTML: nested markup with repeated tags and attributes around varied text. */
function htmlData(): Buffer {
  const choices = new Choices('html', 200_000);
  const words = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit', 'sed', 'do'];
  const parts: string[] = ['<!DOCTYPE html>\n<html><head><title>data</title></head><body>\n'];
  let size = parts[0].length;
  for (let row = 0; size < DATA_SET_BYTES; row++) {
    const text = Array.from({ length: 4 + choices.below(12) }, () => words[choices.below(words.length)]).join(' ');
    const part =
      `<div class="row r${row % 17}"><a href="/item/${row}" title="${text.slice(0, 12)}">${row}</a>` +
      `<p style="margin:${choices.below(9)}px">${text}</p></div>\n`;
    parts.push(part);
    size += part.length;
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, DATA_SET_BYTES);
}

let dataSets: DataSet[] | null = null;

/** Autobahn's five data sets, in its order (12.1 to 12.5); 13.x use the JSON one. */
export function autobahnDataSets(): DataSet[] {
  dataSets ??= [
    { name: 'gutenberg_faust', description: 'verse-like German text', binary: true, bytes: germanVerse() },
    { name: 'lena512', description: 'a 512x512 greyscale bitmap', binary: true, bytes: greyscaleBitmap() },
    { name: 'ooms', description: 'a PDF-like mix of text and noise', binary: true, bytes: pdfLike() },
    { name: 'json_data1', description: 'JSON (ASCII)', binary: false, bytes: jsonData() },
    { name: 'html_data1', description: 'HTML (ASCII)', binary: false, bytes: htmlData() },
  ];
  return dataSets;
}

/**
 * An offer as Autobahn's server reads it (its PerMessageDeflateOffer.parse): what the client lets the
 * server ask of it (accept*) and what it asks of the server (request*).
 */
export interface AutobahnOffer {
  acceptNoContextTakeover: boolean;
  acceptMaxWindowBits: boolean;
  requestNoContextTakeover: boolean;
  /** 0: not asked. */
  requestMaxWindowBits: number;
}

/**
 * How an offer grants client_no_context_takeover. Autobahn's parser as published starts from true (every
 * offer grants it; a commented-out line beside it, marked FIXME, starts from false), so ws's and
 * Python's single offer meet every case. 'named' is that other reading: only an offer that names
 * client_no_context_takeover grants it, and a single default offer then leaves 13.2, 13.5 and 13.6 (54
 * cases) UNIMPLEMENTED. A client should run every case under both.
 */
export type OfferReading = 'as-published' | 'named';

/** One element of a Sec-WebSocket-Extensions list: its name and parameters (value true when none). */
interface ListElement {
  name: string;
  params: Array<[string, string | true]>;
}

/** Splits a Sec-WebSocket-Extensions value (what our client writes: tokens, = values, no quoted commas). */
function parseExtensionList(header: string): ListElement[] {
  return header.split(',').map((element) => {
    const [name, ...params] = element.split(';').map((part) => part.trim());
    return {
      name,
      params: params.map((param) => {
        const equals = param.indexOf('=');
        if (equals === -1) return [param, true] as [string, true];
        return [
          param.slice(0, equals).trim(),
          param
            .slice(equals + 1)
            .trim()
            .replace(/^"|"$/g, ''),
        ] as [string, string];
      }),
    };
  });
}

/**
 * The permessage-deflate offers of a request, read as Autobahn reads them, or 'refused' when Autobahn
 * would fail the handshake (400): a parameter it does not know, one given twice, a value where none is
 * allowed (client_max_window_bits with a value, too), or a window outside 8-15.
 */
export function readAutobahnOffers(header: string | undefined, reading: OfferReading): AutobahnOffer[] | 'refused' {
  if (header === undefined) return [];
  const offers: AutobahnOffer[] = [];
  for (const element of parseExtensionList(header)) {
    if (element.name !== 'permessage-deflate') continue;
    const offer: AutobahnOffer = {
      acceptNoContextTakeover: reading === 'as-published',
      acceptMaxWindowBits: false,
      requestNoContextTakeover: false,
      requestMaxWindowBits: 0,
    };
    const seen = new Set<string>();
    for (const [name, value] of element.params) {
      if (seen.has(name)) return 'refused';
      seen.add(name);
      if (name === 'client_max_window_bits' && value === true) offer.acceptMaxWindowBits = true;
      else if (name === 'client_no_context_takeover' && value === true) offer.acceptNoContextTakeover = true;
      else if (name === 'server_no_context_takeover' && value === true) offer.requestNoContextTakeover = true;
      else if (name === 'server_max_window_bits' && typeof value === 'string' && /^(8|9|1[0-5])$/.test(value)) {
        offer.requestMaxWindowBits = Number(value);
      } else return 'refused';
    }
    offers.push(offer);
  }
  return offers;
}

/** What the server's accept function answers: the parameters of its response. */
export interface AutobahnAccept {
  offer: AutobahnOffer;
  /** client_no_context_takeover in the response. */
  requestNoContextTakeover: boolean;
  /** client_max_window_bits=N in the response; 0: absent. */
  requestMaxWindowBits: number;
}

export type AcceptFunction = (offers: readonly AutobahnOffer[]) => AutobahnAccept | null;

/** The response Autobahn writes for an accept (its PerMessageDeflateOfferAccept's extension string). */
export function autobahnResponse(accept: AutobahnAccept): string {
  const parts = ['permessage-deflate'];
  if (accept.offer.requestNoContextTakeover) parts.push('server_no_context_takeover');
  if (accept.offer.requestMaxWindowBits !== 0)
    parts.push(`server_max_window_bits=${accept.offer.requestMaxWindowBits}`);
  if (accept.requestNoContextTakeover) parts.push('client_no_context_takeover');
  if (accept.requestMaxWindowBits !== 0) parts.push(`client_max_window_bits=${accept.requestMaxWindowBits}`);
  return parts.join('; ');
}

/** Takes the first offer that grants what the case asks of the client: no context takeover, a window. */
function acceptFirst(noContextTakeover: boolean, maxWindowBits: number): AcceptFunction {
  return (offers) => {
    const offer = offers.find(
      (each) =>
        (!noContextTakeover || each.acceptNoContextTakeover) && (maxWindowBits === 0 || each.acceptMaxWindowBits),
    );
    return offer === undefined
      ? null
      : { offer, requestNoContextTakeover: noContextTakeover, requestMaxWindowBits: maxWindowBits };
  };
}

/** Group 13's seven ways to accept, (client_no_context_takeover, client_max_window_bits) each. */
export const GROUP_13_ACCEPTS: ReadonlyArray<{ description: string; accept: AcceptFunction }> = [
  { description: '(false, 0)', accept: acceptFirst(false, 0) },
  { description: '(true, 0)', accept: acceptFirst(true, 0) },
  { description: '(false, 8)', accept: acceptFirst(false, 8) },
  { description: '(false, 15)', accept: acceptFirst(false, 15) },
  { description: '(true, 8)', accept: acceptFirst(true, 8) },
  { description: '(true, 15)', accept: acceptFirst(true, 15) },
  {
    description: '(true, 8), else (true, 0), else (false, 0)',
    accept: (offers) => acceptFirst(true, 8)(offers) ?? acceptFirst(true, 0)(offers) ?? acceptFirst(false, 0)(offers),
  },
];

export interface AutobahnCase {
  /** '12.1.1' ... '13.7.18' */
  id: string;
  data: DataSet;
  size: CaseSize;
  accept: AcceptFunction;
}

/** Groups 12 and 13 in Autobahn's order: 5 x 18 + 7 x 18 = 216 cases. */
export function autobahnCases(): AutobahnCase[] {
  const sets = autobahnDataSets();
  const cases: AutobahnCase[] = [];
  sets.forEach((data, set) => {
    CASE_SIZES.forEach((size, index) => {
      cases.push({ id: `12.${set + 1}.${index + 1}`, data, size, accept: acceptFirst(false, 0) });
    });
  });
  const json = sets[3];
  GROUP_13_ACCEPTS.forEach(({ accept }, group) => {
    CASE_SIZES.forEach((size, index) => {
      cases.push({ id: `13.${group + 1}.${index + 1}`, data: json, size, accept });
    });
  });
  return cases;
}

/** The `n`th message of a case: `length` bytes from where the previous one ended, wrapping at the end. */
export function caseMessage(data: DataSet, length: number, n: number): Buffer {
  const start = (n * length) % data.bytes.length;
  const end = start + length;
  if (end <= data.bytes.length) return data.bytes.subarray(start, end);
  return Buffer.concat([data.bytes.subarray(start), data.bytes.subarray(0, end - data.bytes.length)]);
}
