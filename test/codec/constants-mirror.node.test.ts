// assembly/constants.ts and assembly/layout.ts mirror constants on the TypeScript side; these must agree.
// The AssemblyScript sources are TypeScript syntax, so vitest can import them (types stripped) to compare.
// They are imported by computed paths so that tsc, which does not know AssemblyScript's types, skips them.

import { describe, expect, it } from 'vitest';
import { Slot } from '../../bindings/exports.ts';
import { kernelsFor } from '../../src/codec/backend.ts';
import {
  DecodeOption,
  DecodeResult,
  HeaderBits,
  MAX_CONTROL_PAYLOAD,
  MessageState,
  Opcode,
  ScanStatus,
} from '../../src/codec/constants.ts';
import { FRAME_ENTRY_WORDS, FRAME_TABLE_CAPACITY } from '../../src/codec/scan-outcome.ts';

type Numbers = Record<string, number>;
const assemblyPath = (name: string) => new URL(`../../assembly/${name}.ts`, import.meta.url).href;
const asConstants: Numbers = await import(assemblyPath('constants'));
const asLayout: Numbers = await import(assemblyPath('layout'));

describe('the AssemblyScript mirrors agree with the TypeScript constants', () => {
  it('opcodes and header bits', () => {
    expect(asConstants.OPCODE_CONTINUATION).toBe(Opcode.CONTINUATION);
    expect(asConstants.OPCODE_TEXT).toBe(Opcode.TEXT);
    expect(asConstants.OPCODE_BINARY).toBe(Opcode.BINARY);
    expect(asConstants.OPCODE_CLOSE).toBe(Opcode.CLOSE);
    expect(asConstants.OPCODE_PING).toBe(Opcode.PING);
    expect(asConstants.OPCODE_PONG).toBe(Opcode.PONG);
    expect(asConstants.FIN_BIT).toBe(HeaderBits.FIN);
    expect(asConstants.RSV_BITS).toBe(HeaderBits.RSV);
    expect(asConstants.RSV1_BIT).toBe(HeaderBits.RSV1);
    expect(asConstants.OPCODE_BITS).toBe(HeaderBits.OPCODE);
    expect(asConstants.MASK_BIT).toBe(HeaderBits.MASK);
    expect(asConstants.LENGTH_BITS).toBe(HeaderBits.LENGTH);
    expect(asConstants.MAX_CONTROL_PAYLOAD).toBe(MAX_CONTROL_PAYLOAD);
  });

  it('decoder options, results and the message state word', () => {
    expect(asConstants.DECODE_REQUIRE_MASK).toBe(DecodeOption.REQUIRE_MASK);
    expect(asConstants.DECODE_FORBID_MASK).toBe(DecodeOption.FORBID_MASK);
    expect(asConstants.DECODE_VALIDATE_UTF8).toBe(DecodeOption.VALIDATE_UTF8);
    expect(asConstants.DECODE_ALLOWED_RSV_SHIFT).toBe(DecodeOption.ALLOWED_RSV_SHIFT);
    expect({
      NEED_MORE: asConstants.NEED_MORE,
      RESERVED_OPCODE: asConstants.ERR_RESERVED_OPCODE,
      RSV1_NOT_ALLOWED: asConstants.ERR_RSV1_NOT_ALLOWED,
      RSV23_NOT_ALLOWED: asConstants.ERR_RSV23_NOT_ALLOWED,
      CONTROL_TOO_LONG: asConstants.ERR_CONTROL_TOO_LONG,
      CONTROL_FRAGMENTED: asConstants.ERR_CONTROL_FRAGMENTED,
      MASK_REQUIRED: asConstants.ERR_MASK_REQUIRED,
      MASK_FORBIDDEN: asConstants.ERR_MASK_FORBIDDEN,
      LENGTH_MSB_SET: asConstants.ERR_LENGTH_MSB_SET,
      LENGTH_UNSAFE: asConstants.ERR_LENGTH_UNSAFE,
      UNEXPECTED_CONTINUATION: asConstants.ERR_UNEXPECTED_CONTINUATION,
      EXPECTED_CONTINUATION: asConstants.ERR_EXPECTED_CONTINUATION,
      INVALID_UTF8: asConstants.ERR_INVALID_UTF8,
    }).toEqual(DecodeResult);
    expect(asConstants.STATE_OPCODE_BITS).toBe(MessageState.OPCODE_BITS);
    expect(asConstants.STATE_COMPRESSED_BIT).toBe(MessageState.COMPRESSED_BIT);
    expect(asConstants.STATE_UTF8_SHIFT).toBe(MessageState.UTF8_SHIFT);
  });

  it('the memory layout: slots, frame table and scan statuses', () => {
    const slots = asLayout.SLOTS_PTR;
    expect({
      BYTE0: asLayout.SLOT_BYTE0 - slots,
      BYTE1: asLayout.SLOT_BYTE1 - slots,
      HEADER_LENGTH: asLayout.SLOT_HEADER_LENGTH - slots,
      MASK_KEY: asLayout.SLOT_MASK_KEY - slots,
      PAYLOAD_LENGTH: asLayout.SLOT_PAYLOAD_LENGTH - slots,
      SCAN_NEXT: asLayout.SLOT_SCAN_NEXT - slots,
      SCAN_STATUS: asLayout.SLOT_SCAN_STATUS - slots,
      SCAN_ERROR: asLayout.SLOT_SCAN_ERROR - slots,
      SCAN_STATE: asLayout.SLOT_SCAN_STATE - slots,
      SCAN_ERROR_AT: asLayout.SLOT_SCAN_ERROR_AT - slots,
      UTF8_STATE: asLayout.SLOT_UTF8_STATE - slots,
    }).toEqual(Slot);
    expect(asLayout.FRAME_TABLE_CAPACITY).toBe(FRAME_TABLE_CAPACITY);
    expect(asLayout.FRAME_ENTRY_SIZE).toBe(FRAME_ENTRY_WORDS * 4);
    expect({
      COMPLETE: asLayout.SCAN_COMPLETE,
      PARTIAL: asLayout.SCAN_PARTIAL,
      ERROR: asLayout.SCAN_ERROR,
      TABLE_FULL: asLayout.SCAN_TABLE_FULL,
    }).toEqual(ScanStatus);
  });

  it('both builds export the layout they were compiled with, and it fits their initial memory', () => {
    for (const variant of ['simd', 'scalar'] as const) {
      const kernels = kernelsFor(variant);
      expect(kernels, variant).not.toBeNull();
      expect(kernels?.variant).toBe(variant);
      expect(kernels?.stagingSize).toBe(asLayout.STAGING_SIZE);
      expect(kernels?.stagingOffset).toBe(asLayout.STAGING_PTR);
    }
  });
});
