// Checks on what callers pass to the public codec: misuse is a TypeError or RangeError that says what
// was expected, never a wrong answer.

export function checkBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`wasmsocket: ${name} must be a Uint8Array or Buffer, got ${describe(value)}`);
  }
}

export function checkMaskKey(key: unknown): asserts key is Uint8Array {
  checkBytes(key, 'key');
  if (key.length !== 4) throw new RangeError(`wasmsocket: key must be 4 bytes, got ${key.length}`);
}

export function checkIndex(value: unknown, name: string, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`wasmsocket: ${name} must be an integer, got ${describe(value)}`);
  }
  if (value < 0 || value > max) throw new RangeError(`wasmsocket: ${name} must be between 0 and ${max}, got ${value}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
