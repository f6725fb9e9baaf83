// The UTF-8 sequences of Autobahn cases 6.5-6.23, which are those of Markus Kuhn's "UTF-8 decoder
// capability and stress test" (sections 1-5), plus Unicode non-characters and specials: each with whether
// it is valid UTF-8 as RFC 3629 defines it (which RFC 6455 section 8.1 requires of text messages).
// Autobahn numbers the groups from 6.5 and the sequences within a group from 1, in this order.

export interface Utf8Group {
  /** Autobahn's case group: 6.5 ... 6.23. */
  id: string;
  title: string;
  sequences: { valid: boolean; bytes: Buffer }[];
}

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const valid = (text: string) => ({ valid: true, bytes: hex(text) });
const invalid = (text: string) => ({ valid: false, bytes: hex(text) });
const ascii = (text: string) => Buffer.from(text, 'latin1').toString('hex');

/** κόσμε: 2-, 3-, 2-, 2- and 2-byte characters (11 bytes). */
export const KOSME = hex('ceba e1bdb9 cf83 cebc ceb5');

/** Where each character of KOSME ends: its prefixes of these lengths are whole UTF-8. */
const KOSME_CHARACTER_ENDS = [2, 5, 7, 9, 11];

/** Each start byte in [from, to) followed by a space: lonely start bytes (Kuhn 3.2). */
function lonelyStarts(from: number, to: number): string {
  let out = '';
  for (let byte = from; byte < to; byte++) out += `${byte.toString(16)}20`;
  return out;
}

/** Non-characters U+nFFFE and U+nFFFF in planes 1-16 as 4-byte sequences (Kuhn 5.3, beyond the BMP). */
function planeNonCharacters(): { valid: boolean; bytes: Buffer }[] {
  const out: { valid: boolean; bytes: Buffer }[] = [];
  for (const lead of ['f0', 'f1', 'f2', 'f3', 'f4']) {
    for (const second of ['8f', '9f', 'af', 'bf']) {
      // F4 90 and above encode beyond U+10FFFF; F0 8F is an overlong form.
      if (lead === 'f4' && second !== '8f') continue;
      if (lead === 'f0' && second === '8f') continue;
      for (const last of ['be', 'bf']) out.push(valid(`${lead}${second}bf${last}`));
    }
  }
  return out;
}

const MISSING_LAST = [
  'c0',
  'e080',
  'f08080',
  'f8808080',
  'fc80808080',
  'df',
  'efbf',
  'f7bfbf',
  'fbbfbfbf',
  'fdbfbfbfbf',
];

export const UTF8_GROUPS: Utf8Group[] = [
  {
    id: '6.5',
    title: 'some valid UTF-8',
    sequences: [
      valid(ascii('hello$world')),
      valid(`${ascii('hello')}c2a2${ascii('world')}`),
      valid(`${ascii('hello')}e282ac${ascii('world')}`),
      valid(`${ascii('hello')}f0a4ada2${ascii('world')}`),
      { valid: true, bytes: KOSME },
    ],
  },
  {
    id: '6.6',
    title: 'every prefix of κόσμε (whole only where a character ends)',
    sequences: Array.from({ length: KOSME.length }, (_, index) => ({
      valid: KOSME_CHARACTER_ENDS.includes(index + 1),
      bytes: KOSME.subarray(0, index + 1),
    })),
  },
  { id: '6.7', title: 'first sequence of each length', sequences: ['00', 'c280', 'e0a080', 'f0908080'].map(valid) },
  {
    id: '6.8',
    title: 'first 5- and 6-byte forms (no such code points)',
    sequences: ['f888808080', 'fc8480808080'].map(invalid),
  },
  { id: '6.9', title: 'last sequence of each length', sequences: ['7f', 'dfbf', 'efbfbf', 'f48fbfbf'].map(valid) },
  {
    id: '6.10',
    title: 'last 4-, 5- and 6-byte forms (beyond U+10FFFF)',
    sequences: ['f7bfbfbf', 'fbbfbfbfbf', 'fdbfbfbfbfbf'].map(invalid),
  },
  {
    id: '6.11',
    title: 'other boundaries',
    sequences: [valid('ed9fbf'), valid('ee8080'), valid('efbfbd'), valid('f48fbfbf'), invalid('f4908080')],
  },
  {
    id: '6.12',
    title: 'unexpected continuation bytes',
    sequences: [
      ...['80', 'bf', '80bf', '80bf80', '80bf80bf', '80bf80bf80', '80bf80bf80bf'].map(invalid),
      invalid(Array.from({ length: 0xbf - 0x80 }, (_, i) => (0x80 + i).toString(16)).join('')),
    ],
  },
  {
    id: '6.13',
    title: 'lonely start bytes, each followed by a space',
    sequences: [
      [0xc0, 0xdf],
      [0xe0, 0xef],
      [0xf0, 0xf7],
      [0xf8, 0xfb],
      [0xfc, 0xfd],
    ].map(([from, to]) => invalid(lonelyStarts(from, to))),
  },
  { id: '6.14', title: 'sequences missing their last continuation byte', sequences: MISSING_LAST.map(invalid) },
  { id: '6.15', title: 'all the incomplete sequences concatenated', sequences: [invalid(MISSING_LAST.join(''))] },
  { id: '6.16', title: 'impossible bytes', sequences: ['fe', 'ff', 'fefeffff'].map(invalid) },
  {
    id: '6.17',
    title: "overlong forms of '/'",
    sequences: ['c0af', 'e080af', 'f08080af', 'f8808080af', 'fc80808080af'].map(invalid),
  },
  {
    id: '6.18',
    title: 'the largest overlong forms',
    sequences: ['c1bf', 'e09fbf', 'f08fbfbf', 'f887bfbfbf', 'fc83bfbfbfbf'].map(invalid),
  },
  {
    id: '6.19',
    title: 'overlong forms of NUL',
    sequences: ['c080', 'e08080', 'f0808080', 'f880808080', 'fc8080808080'].map(invalid),
  },
  {
    id: '6.20',
    title: 'lone UTF-16 surrogates',
    sequences: ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf'].map(invalid),
  },
  {
    id: '6.21',
    title: 'paired UTF-16 surrogates',
    sequences: [
      'eda080edb080',
      'eda080edbfbf',
      'edadbfedb080',
      'edadbfedbfbf',
      'edae80edb080',
      'edae80edbfbf',
      'edafbfedb080',
      'edafbfedbfbf',
    ].map(invalid),
  },
  {
    id: '6.22',
    title: 'non-characters (valid UTF-8)',
    sequences: [valid('efbfbe'), valid('efbfbf'), ...planeNonCharacters()],
  },
  {
    id: '6.23',
    title: 'Unicode specials (valid UTF-8)',
    sequences: ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf'].map(valid),
  },
];
