// A minimal check format that runs the same codec checks under vitest (Node and Chromium) and inside a
// workerd Worker, where no test framework runs. A check throws an Error on failure.

export interface Check {
  name: string;
  run(backend: Backend): void;
}

export type Backend = 'js' | 'wasm' | 'wasm-simd';

export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

export function assertEqual<T>(actual: T, expected: T, message: string): void {
  if (!Object.is(actual, expected)) {
    throw new CheckFailure(`${message}: expected ${String(expected)}, got ${String(actual)}`);
  }
}

export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, message: string): void {
  if (actual.length !== expected.length) {
    throw new CheckFailure(`${message}: expected ${expected.length} bytes, got ${actual.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new CheckFailure(`${message}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** Runs fn and checks that it throws something `accept` agrees with; returns what it threw. */
export function assertThrows(fn: () => unknown, accept: (error: unknown) => boolean, message: string): unknown {
  try {
    fn();
  } catch (error) {
    if (!accept(error)) throw new CheckFailure(`${message}: threw the wrong thing: ${String(error)}`);
    return error;
  }
  throw new CheckFailure(`${message}: did not throw`);
}
