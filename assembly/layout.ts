// The map of linear memory. Nothing here is allocated at run time: the module has a stub runtime and
// every region is fixed, so memory never grows with connections or message sizes.
//
//   0 ........ 16 KiB   static data (the UTF-8 tables), below SLOTS_PTR (layoutIsSound() checks)
//   16 KiB ... +256 B   result slots: the last decoded header and the scanner's outcome
//   32 KiB ... 96 KiB   frame table: FRAME_TABLE_CAPACITY entries of FRAME_ENTRY_SIZE bytes
//   128 KiB+2 KiB ...   staging area: STAGING_SIZE bytes of received or caller data
//
// The staging area starts half a page past a 4 KiB boundary: on this CPU a copy whose destination is
// 1-24 bytes past its source modulo 4 KiB runs ~15x slower (4K aliasing), and JS buffers usually sit
// near a page start, so half a page keeps both copy directions clear of that window.

export const SLOTS_PTR: usize = 16 << 10;

// Header slots (written by decodeHeader and by the scanner for a frame it stopped inside).
export const SLOT_BYTE0: usize = SLOTS_PTR + 0; // u8: FIN, RSV1-3, opcode
export const SLOT_BYTE1: usize = SLOTS_PTR + 1; // u8: MASK, 7-bit length
export const SLOT_HEADER_LENGTH: usize = SLOTS_PTR + 2; // u8
export const SLOT_MASK_KEY: usize = SLOTS_PTR + 4; // 4 bytes, as on the wire
export const SLOT_PAYLOAD_LENGTH: usize = SLOTS_PTR + 8; // f64 (exact up to 2^53-1)

// Scanner slots.
export const SLOT_SCAN_NEXT: usize = SLOTS_PTR + 16; // u32: offset of the first byte not consumed
export const SLOT_SCAN_STATUS: usize = SLOTS_PTR + 20; // u32: SCAN_* below
export const SLOT_SCAN_ERROR: usize = SLOTS_PTR + 24; // i32: ERR_* when status is SCAN_ERROR
export const SLOT_SCAN_STATE: usize = SLOTS_PTR + 28; // u32: fragment + UTF-8 state after the last frame
export const SLOT_SCAN_ERROR_AT: usize = SLOTS_PTR + 32; // u32: for ERR_INVALID_UTF8, the bad byte's offset

// UTF-8 validator slot.
export const SLOT_UTF8_STATE: usize = SLOTS_PTR + 40; // u32: DFA state after the last byte

export const SCAN_COMPLETE: u32 = 0; // every byte consumed, or the rest is a header still arriving
export const SCAN_PARTIAL: u32 = 1; // stopped inside a payload; its header is in the header slots
export const SCAN_ERROR: u32 = 2; // stopped at a protocol error
export const SCAN_TABLE_FULL: u32 = 3; // the frame table is full; call again from SLOT_SCAN_NEXT

export const FRAME_TABLE_PTR: usize = 32 << 10;
// Entry: u32 payload offset (absolute), u32 payload length, u32 byte 0 of the header, u32 unused.
export const FRAME_ENTRY_SIZE: usize = 16;
export const FRAME_TABLE_CAPACITY: u32 = 4096;

export const STAGING_PTR: usize = (128 << 10) + (2 << 10);
export const STAGING_SIZE: u32 = 256 << 10;

// The initial memory (asconfig.json "initialMemory", in 64 KiB pages) must hold the staging area.
export const LAYOUT_END: usize = STAGING_PTR + STAGING_SIZE;
