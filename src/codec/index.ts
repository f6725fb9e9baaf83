// wasmsocket/codec: the runtime-free codec. The same in Node, browsers, workerd and Deno.

export { type FrameHeader, parseFrameHeader } from './api-header.js';
export { mask, unmask } from './api-mask.js';
export { FrameScanner, type ScanResult } from './api-scanner.js';
export { isValidUtf8, Utf8Validator } from './api-utf8.js';
export { type ActiveBackend, activeBackend, type BackendName, prepareBackend, ready, setBackend } from './backend.js';
export { CloseCode, DecodeResult, HeaderBits, MAX_CONTROL_PAYLOAD, Opcode } from './constants.js';
export type { DecodeOptions } from './decode-options.js';
export { ProtocolError } from './errors.js';
export { FRAME_ENTRY_WORDS } from './scan-outcome.js';
