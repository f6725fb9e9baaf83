// The dispatcher takes the size thresholds of the runtime it runs in (src/codec/dispatch-thresholds.ts):
// the runtime is found from globals each runtime documents, and masking switches to WASM at that table's
// size. Runs in both vitest projects (Node and Chromium); workerd's and Deno's own tables are checked
// there (test/workerd/codec.node.test.ts, test/codec/deno-runtime.node.test.ts). No timing here.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ready, selection, setBackend } from '../../src/codec/backend.ts';
import { mask, RUNTIME, RUNTIME_THRESHOLDS, THRESHOLDS } from '../../src/codec/dispatch.ts';
import { detectRuntime } from '../../src/codec/runtime.ts';

/** The runtime this project runs in, from evidence the detection does not read. */
const expectedRuntime = typeof document === 'object' ? 'browser' : 'node';

describe('detectRuntime', () => {
  it('names workerd by its user agent, even with nodejs_compat’s process', () => {
    const scope = { navigator: { userAgent: 'Cloudflare-Workers' }, process: { versions: { node: '22.0.0' } } };
    expect(detectRuntime(scope)).toBe('workerd');
  });

  it('names Deno by Deno.version, although Deno 2 has a process too', () => {
    const scope = {
      Deno: { version: { deno: '2.9.6' } },
      process: { versions: { node: '22.0.0' } },
      navigator: { userAgent: 'Deno/2.9.6' },
    };
    expect(detectRuntime(scope)).toBe('deno');
  });

  it('names Node by process.versions.node', () => {
    expect(detectRuntime({ process: { versions: { node: '20.20.2' } } })).toBe('node');
  });

  it('takes anything else for a browser: a page, a process shim without versions.node, an empty scope', () => {
    expect(detectRuntime({ navigator: { userAgent: 'Mozilla/5.0 Chrome/140' } })).toBe('browser');
    expect(detectRuntime({ process: { env: {}, versions: {} } })).toBe('browser');
    expect(detectRuntime({ Deno: {} })).toBe('browser');
    expect(detectRuntime({})).toBe('browser');
  });

  it('counts a global whose getter throws as missing', () => {
    const scope = {
      get navigator(): never {
        throw new Error('no navigator here');
      },
    };
    expect(detectRuntime(scope)).toBe('browser');
  });
});

describe("the dispatcher's table", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    setBackend('auto');
  });

  it(`is this runtime's (${expectedRuntime})`, () => {
    expect(RUNTIME).toBe(expectedRuntime);
    expect(RUNTIME_THRESHOLDS).toBe(THRESHOLDS[expectedRuntime]);
    expect(detectRuntime()).toBe(expectedRuntime);
  });

  it("sends masking to WASM from the table's maskWasmMinBytes on, on auto", async () => {
    await ready;
    setBackend('auto');
    const kernels = selection.wasm;
    if (kernels === null) throw new Error('no WASM build loaded');
    const wasmMask = vi.spyOn(kernels, 'mask');
    const threshold = RUNTIME_THRESHOLDS.maskWasmMinBytes;
    const below = new Uint8Array(threshold - 1).fill(0x5a);
    mask(below, 0, below.length, 0x01020304, 0);
    expect(wasmMask).not.toHaveBeenCalled();
    expect(below[0]).toBe(0x5a ^ 0x04);
    const at = new Uint8Array(threshold).fill(0x5a);
    mask(at, 0, at.length, 0x01020304, 0);
    expect(wasmMask).toHaveBeenCalledTimes(1);
    expect(at[threshold - 1]).toBe(0x5a ^ [0x04, 0x03, 0x02, 0x01][(threshold - 1) & 3]);
  });
});
