// The shape of the WebAssembly module's exports (assembly/index.ts): the one description of it on the
// TypeScript side. Pointers are byte offsets into `memory`.

/** Which build of the module: with 128-bit SIMD, or the scalar twin for engines without it. */
export type WasmVariant = 'simd' | 'scalar';

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly SLOTS_PTR: WebAssembly.Global;
  readonly FRAME_TABLE_PTR: WebAssembly.Global;
  readonly FRAME_TABLE_CAPACITY: WebAssembly.Global;
  readonly FRAME_ENTRY_SIZE: WebAssembly.Global;
  readonly STAGING_PTR: WebAssembly.Global;
  readonly STAGING_SIZE: WebAssembly.Global;
  readonly LAYOUT_END: WebAssembly.Global;
  maskBytes(ptr: number, len: number, keyWord: number, phase: number): void;
  decodeHeader(ptr: number, len: number, options: number): number;
  scanFrames(ptr: number, len: number, options: number, state: number): number;
  validateUtf8(ptr: number, len: number, state: number): number;
  layoutIsSound(): number;
  usesSimd(): number;
}

/** Offsets of the result slots from SLOTS_PTR (assembly/layout.ts). */
export const Slot = {
  BYTE0: 0,
  BYTE1: 1,
  HEADER_LENGTH: 2,
  MASK_KEY: 4,
  PAYLOAD_LENGTH: 8,
  SCAN_NEXT: 16,
  SCAN_STATUS: 20,
  SCAN_ERROR: 24,
  SCAN_STATE: 28,
  SCAN_ERROR_AT: 32,
  UTF8_STATE: 40,
} as const;

/** A loader's answer: the instance's exports, or null where this variant cannot run (yet). */
export type InstantiateKernels = (variant: WasmVariant) => KernelExports | null;
