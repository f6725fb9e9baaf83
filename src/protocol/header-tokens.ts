// Parsing the list-valued header fields of the opening handshake: Connection and Upgrade (RFC 7230
// sections 6.1 and 6.7), Sec-WebSocket-Protocol (RFC 6455 section 4.1, 11.3.4) and
// Sec-WebSocket-Extensions (RFC 6455 section 9.1), and writing the last one.
//
// Every parser is one forward pass over the string with an index that only grows: no regular
// expressions, no backtracking, no re-scanning of a slice, so a hostile 64 KiB value costs one pass.
// Results are Maps and arrays of plain records built here, never objects keyed by peer-chosen names.

/** A header value that breaks its grammar. `index` is where in the value the parser gave up. */
export class HeaderSyntaxError extends SyntaxError {
  readonly index: number;

  constructor(message: string, index: number) {
    super(message);
    this.name = 'HeaderSyntaxError';
    this.index = index;
  }
}

const SPACE = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const DEL = 0x7f;

// RFC 7230 section 3.2.6: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. One lookup per character.
const TOKEN_CHAR = new Uint8Array(128);
for (const char of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN_CHAR[char.charCodeAt(0)] = 1;
}

function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN_CHAR[code] === 1;
}

/** True when `value` is an RFC 7230 token: one or more tchar. */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (!isTokenChar(value.charCodeAt(i))) return false;
  return true;
}

/** Index of the first character at or after `from` that is not optional whitespace (OWS = *( SP / HTAB )). */
function skipWhitespace(value: string, from: number): number {
  let i = from;
  while (i < value.length) {
    const code = value.charCodeAt(i);
    if (code !== SPACE && code !== HTAB) break;
    i++;
  }
  return i;
}

/** Index just past the run of tchar starting at `from` (equal to `from` when there is none). */
function skipToken(value: string, from: number): number {
  let i = from;
  while (i < value.length && isTokenChar(value.charCodeAt(i))) i++;
  return i;
}

/** A readable name for the character at `index`, for error messages. */
function describeAt(value: string, index: number): string {
  if (index >= value.length) return 'end of value';
  const code = value.charCodeAt(index);
  const shown = code > SPACE && code < DEL ? JSON.stringify(value[index]) : `U+${code.toString(16).padStart(4, '0')}`;
  return `${shown} at index ${index}`;
}

function unexpected(value: string, index: number, expected: string): HeaderSyntaxError {
  return new HeaderSyntaxError(`Expected ${expected}, found ${describeAt(value, index)}`, index);
}

/**
 * Walks a comma-separated list (RFC 7230 section 7, `#element`): calls `readElement` at the start of
 * each non-empty element, which returns the index just past it. Empty elements (",,", leading or
 * trailing commas) are skipped, as section 7 requires recipients to accept them.
 */
function walkList(value: string, readElement: (start: number) => number): void {
  let i = 0;
  for (;;) {
    i = skipWhitespace(value, i);
    if (i === value.length) return;
    if (value.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    i = skipWhitespace(value, readElement(i));
    if (i === value.length) return;
    if (value.charCodeAt(i) !== COMMA) throw unexpected(value, i, '"," or end of value');
    i++;
  }
}

/** Reads the token at `start`; throws when there is none. Returns the index just past it. */
function requireToken(value: string, start: number, what: string): number {
  const end = skipToken(value, start);
  if (end === start) throw unexpected(value, start, what);
  return end;
}

/**
 * Parses a `#token` list such as Connection (RFC 7230 section 6.1). Tokens are case-insensitive, so
 * they come back in lower case, in order. An empty or all-empty value gives an empty array.
 */
export function parseTokenList(value: string): string[] {
  const tokens: string[] = [];
  walkList(value, (start) => {
    const end = requireToken(value, start, 'a token');
    tokens.push(value.slice(start, end).toLowerCase());
    return end;
  });
  return tokens;
}

/**
 * Parses an Upgrade header (RFC 7230 section 6.7): `#protocol` where protocol = protocol-name
 * ["/" protocol-version], both tokens. Returns each protocol in lower case ("websocket", "h2c",
 * "foo/2"), in order.
 */
export function parseUpgradeList(value: string): string[] {
  const protocols: string[] = [];
  walkList(value, (start) => {
    let end = requireToken(value, start, 'a protocol name');
    if (end < value.length && value.charCodeAt(end) === SLASH) end = requireToken(value, end + 1, 'a protocol version');
    protocols.push(value.slice(start, end).toLowerCase());
    return end;
  });
  return protocols;
}

/** True when the `#token` list `value` holds `token` (compared case-insensitively); false when malformed. */
export function tokenListIncludes(value: string, token: string): boolean {
  try {
    return parseTokenList(value).includes(token.toLowerCase());
  } catch (error) {
    if (error instanceof HeaderSyntaxError) return false;
    throw error;
  }
}

/**
 * Parses Sec-WebSocket-Protocol: `1#token` (RFC 6455 sections 4.1 and 11.3.4). Subprotocol names are
 * compared exactly, so case is kept. Throws HeaderSyntaxError for a malformed value, an empty list or a
 * name given twice (section 4.1: the client's values must be unique).
 */
export function parseSubprotocolList(value: string): string[] {
  const protocols: string[] = [];
  const seen = new Set<string>();
  walkList(value, (start) => {
    const end = requireToken(value, start, 'a subprotocol name');
    const protocol = value.slice(start, end);
    if (seen.has(protocol)) throw new HeaderSyntaxError(`The subprotocol "${protocol}" is listed twice`, start);
    seen.add(protocol);
    protocols.push(protocol);
    return end;
  });
  if (protocols.length === 0) throw new HeaderSyntaxError('Expected at least one subprotocol', value.length);
  return protocols;
}

/** A parameter value: the text, or true for a parameter given without "=". */
export type ExtensionParamValue = string | true;

/**
 * One element of a Sec-WebSocket-Extensions list. `params` keeps the parameters in the order given;
 * a parameter named more than once maps to an array of its values in order, so a negotiator sees it
 * and can decline (RFC 7692 section 7.1 declines such offers).
 */
export interface ParsedExtension {
  name: string;
  params: Map<string, ExtensionParamValue | ExtensionParamValue[]>;
}

function addParam(params: ParsedExtension['params'], name: string, value: ExtensionParamValue): void {
  const existing = params.get(name);
  if (existing === undefined) params.set(name, value);
  else if (Array.isArray(existing)) existing.push(value);
  else params.set(name, [existing, value]);
}

/**
 * Reads the quoted-string starting at `start` (on its opening quote) as RFC 7230 section 3.2.6 defines
 * it, and checks what RFC 6455 section 9.1 adds: once unescaped, the value must be a token. Since a
 * token has no quote, backslash or whitespace, each character inside can be checked as it is met;
 * escapes are dropped by joining the runs between them. Returns the value and the index past the
 * closing quote.
 */
function readQuotedToken(value: string, start: number): { text: string; end: number } {
  let i = start + 1;
  let runStart = i;
  let text = '';
  for (;;) {
    if (i === value.length) throw new HeaderSyntaxError('Unterminated quoted-string', i);
    const code = value.charCodeAt(i);
    if (code === DQUOTE) break;
    if (code === BACKSLASH) {
      text += value.slice(runStart, i);
      i++;
      if (i === value.length) throw new HeaderSyntaxError('Unterminated quoted-string', i);
      runStart = i;
    }
    if (!isTokenChar(value.charCodeAt(i))) {
      throw new HeaderSyntaxError(
        `A quoted parameter value must be a token once unescaped (RFC 6455 section 9.1); found ${describeAt(value, i)}`,
        i,
      );
    }
    i++;
  }
  text += value.slice(runStart, i);
  if (text.length === 0) throw new HeaderSyntaxError('A quoted parameter value must not be empty', start);
  return { text, end: i + 1 };
}

/**
 * Parses Sec-WebSocket-Extensions (RFC 6455 section 9.1):
 *   extension-list = 1#extension
 *   extension = extension-token *( ";" extension-param )
 *   extension-param = token [ "=" (token | quoted-string) ]
 * Whitespace is allowed around ";" and "=" (the implied linear whitespace of RFC 2616, which section
 * 9.1 is written against; RFC 7230 calls it BWS in its own parameters). Names keep their case.
 * Throws HeaderSyntaxError for anything else, including a list with no extension.
 */
export function parseExtensionList(value: string): ParsedExtension[] {
  const extensions: ParsedExtension[] = [];
  walkList(value, (start) => {
    let i = requireToken(value, start, 'an extension name');
    const extension: ParsedExtension = { name: value.slice(start, i), params: new Map() };
    for (;;) {
      i = skipWhitespace(value, i);
      if (i === value.length || value.charCodeAt(i) !== SEMICOLON) break;
      const nameStart = skipWhitespace(value, i + 1);
      const nameEnd = requireToken(value, nameStart, 'a parameter name');
      const name = value.slice(nameStart, nameEnd);
      i = skipWhitespace(value, nameEnd);
      if (i === value.length || value.charCodeAt(i) !== EQUALS) {
        addParam(extension.params, name, true);
        continue;
      }
      const valueStart = skipWhitespace(value, i + 1);
      if (valueStart < value.length && value.charCodeAt(valueStart) === DQUOTE) {
        const quoted = readQuotedToken(value, valueStart);
        addParam(extension.params, name, quoted.text);
        i = quoted.end;
      } else {
        i = requireToken(value, valueStart, 'a parameter value');
        addParam(extension.params, name, value.slice(valueStart, i));
      }
    }
    extensions.push(extension);
    return i;
  });
  if (extensions.length === 0) throw new HeaderSyntaxError('Expected at least one extension', value.length);
  return extensions;
}

/** A parameter value a caller may give when writing: numbers are written in decimal. */
export type ExtensionParamInput = string | number | true;

/** An extension to write: its parameters as a Map or a record, a value or several per name. */
export interface ExtensionDescription {
  name: string;
  params?:
    | ReadonlyMap<string, ExtensionParamInput | readonly ExtensionParamInput[]>
    | Readonly<Record<string, ExtensionParamInput | readonly ExtensionParamInput[]>>;
}

function formatParam(extension: string, name: string, value: ExtensionParamInput): string {
  if (!isToken(name)) throw new TypeError(`Extension parameter name ${JSON.stringify(name)} is not a token`);
  if (value === true) return name;
  const text = typeof value === 'number' ? String(value) : value;
  // Section 9.1: a value must be a token even when quoted, so writing it bare is always enough.
  if (typeof text !== 'string' || !isToken(text)) {
    throw new TypeError(
      `The value of parameter ${name} of extension ${extension} must be a token (RFC 6455 section 9.1), got ${JSON.stringify(value)}`,
    );
  }
  return `${name}=${text}`;
}

/**
 * Writes a Sec-WebSocket-Extensions value, "name; a; b=1, other". Throws TypeError for a name or a
 * value that is not a token, since the header could not carry it.
 */
export function formatExtensionList(extensions: readonly ExtensionDescription[]): string {
  const elements: string[] = [];
  for (const extension of extensions) {
    if (!isToken(extension.name))
      throw new TypeError(`Extension name ${JSON.stringify(extension.name)} is not a token`);
    const parts = [extension.name];
    const params = extension.params;
    const entries = params === undefined ? [] : params instanceof Map ? [...params] : Object.entries(params as object);
    for (const [name, value] of entries as Array<[string, ExtensionParamInput | readonly ExtensionParamInput[]]>) {
      if (Array.isArray(value)) for (const each of value) parts.push(formatParam(extension.name, name, each));
      else parts.push(formatParam(extension.name, name, value as ExtensionParamInput));
    }
    elements.push(parts.join('; '));
  }
  return elements.join(', ');
}
