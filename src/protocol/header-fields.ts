// The header fields of one HTTP message, as the handshake reads them. Names are case-insensitive
// (RFC 7230 section 3.2), so lookups go through the lower-cased name; every field line is kept, in
// order, because some checks need to count them: Host must appear exactly once (RFC 7230 section 5.4),
// Sec-WebSocket-Key and Sec-WebSocket-Version at most once in a request (RFC 6455 sections 11.3.1,
// 11.3.5). Storage is a Map, so a peer naming a field "__proto__" is just another name.

export class HeaderFields {
  /** Lower-cased name -> every value, in order of arrival. */
  private readonly byName = new Map<string, string[]>();
  /** Every field line as received: original name, value. */
  private readonly lines: Array<readonly [name: string, value: string]> = [];

  /**
   * From a flat [name, value, name, value, ...] list: Node's `IncomingMessage.rawHeaders`. This is the
   * form to use in Node: `message.headers` has already dropped duplicate Host lines.
   */
  static fromRawPairs(raw: readonly string[]): HeaderFields {
    if (raw.length % 2 !== 0) throw new TypeError('A raw header list must have an even length (name, value pairs)');
    const fields = new HeaderFields();
    for (let i = 0; i < raw.length; i += 2) fields.append(raw[i], raw[i + 1]);
    return fields;
  }

  /**
   * From a record such as Node's `IncomingHttpHeaders`: an array value gives one line per element.
   * Undefined values are skipped. Duplicates the record has already merged cannot be told apart.
   */
  static fromRecord(record: Readonly<Record<string, string | number | readonly string[] | undefined>>): HeaderFields {
    const fields = new HeaderFields();
    for (const name of Object.keys(record)) {
      const value = record[name];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const each of value) fields.append(name, each);
      else fields.append(name, String(value));
    }
    return fields;
  }

  /** Adds one field line. The value is trimmed of surrounding whitespace (RFC 7230 section 3.2.4 OWS). */
  append(name: string, value: string): void {
    const trimmed = trimWhitespace(value);
    this.lines.push([name, trimmed]);
    const key = name.toLowerCase();
    const values = this.byName.get(key);
    if (values === undefined) this.byName.set(key, [trimmed]);
    else values.push(trimmed);
  }

  /**
   * The field's value; several lines are joined with ", ", which RFC 7230 section 3.2.2 makes
   * equivalent for list-valued fields. Undefined when absent.
   */
  get(name: string): string | undefined {
    const values = this.byName.get(name.toLowerCase());
    if (values === undefined) return undefined;
    return values.length === 1 ? values[0] : values.join(', ');
  }

  /** Every value of the field, one per line received, in order (empty when absent). */
  getAll(name: string): readonly string[] {
    return this.byName.get(name.toLowerCase()) ?? [];
  }

  /** How many lines carried the field. */
  count(name: string): number {
    return this.byName.get(name.toLowerCase())?.length ?? 0;
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  /** Number of field lines. */
  get size(): number {
    return this.lines.length;
  }

  /** Every field line as received (original name case), in order. */
  entries(): IterableIterator<readonly [name: string, value: string]> {
    return this.lines.values();
  }

  [Symbol.iterator](): IterableIterator<readonly [name: string, value: string]> {
    return this.entries();
  }

  /** Node's rawHeaders shape: [name, value, name, value, ...]. */
  toRawPairs(): string[] {
    const raw: string[] = [];
    for (const [name, value] of this.lines) raw.push(name, value);
    return raw;
  }
}

/** Strips leading and trailing SP and HTAB only (String.prototype.trim would also strip other spaces). */
export function trimWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
