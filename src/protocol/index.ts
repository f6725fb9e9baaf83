// wasmsocket/protocol: the sans-IO RFC 6455 core, for people who bring their own I/O. Bytes in, events
// out; messages in, bytes out; the opening handshake as functions over heads. Re-exports only.

export { CloseCode, HeaderBits, MAX_CONTROL_PAYLOAD, Opcode } from '../codec/internal.js';
export { isValidWireCloseCode, MAX_CLOSE_REASON_BYTES } from './close-codes.js';
export {
  Connection,
  type ConnectionHandler,
  type ConnectionOptions,
  DEFAULT_MAX_PAYLOAD,
  encodeClosePayload,
  ReadyState,
} from './connection.js';
export {
  type CodecCallback,
  type DeflateCodec,
  type DeflateSettings,
  InflateLimitError,
} from './deflate-codec.js';
export { InvalidStateError, ProtocolError } from './errors.js';
export type { CopyBytes } from './frame-reader.js';
export { type Allocate, FRAME_IN_ROOM, type FrameRoom } from './frame-writer.js';
export {
  type UpgradeExpectation,
  type UpgradeRequestOptions,
  type UpgradeResponse,
  type UpgradeResponseValidation,
  upgradeRequestHead,
  upgradeRequestLines,
  validateUpgradeResponse,
} from './handshake-client.js';
export {
  HandshakeError,
  HandshakeErrorCode,
  type HandshakeErrorDetails,
  type HandshakeFailure,
} from './handshake-error.js';
export {
  type AsyncSha1,
  acceptFromDigest,
  acceptHashInput,
  computeAccept,
  computeAcceptAsync,
  generateKey,
  isValidKey,
  type Sha1,
  WEBSOCKET_GUID,
  WEBSOCKET_VERSION,
  webCryptoSha1,
} from './handshake-key.js';
export type { AnswerCheck, HandshakeOffer } from './handshake-negotiation.js';
export {
  type AcceptedUpgrade,
  type AcceptResponseOptions,
  acceptResponseHead,
  acceptResponseLines,
  type RefusalOptions,
  refusalResponse,
  type UpgradeRequest,
  type UpgradeValidation,
  validateUpgradeRequest,
} from './handshake-server.js';
export { HeaderFields } from './header-fields.js';
export {
  type ExtensionDescription,
  formatExtensionList,
  HeaderSyntaxError,
  isToken,
  type ParsedExtension,
  parseExtensionList,
  parseSubprotocolList,
  parseTokenList,
  tokenListIncludes,
} from './header-tokens.js';
export {
  DEFAULT_MAX_HEAD_BYTES,
  DEFAULT_MAX_HEADER_COUNT,
  type HeadLimits,
  type HeadParse,
  HeadReader,
  type HeadReaderResult,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
} from './http-head.js';
export { encodeHead, formatHead, type HeaderInput } from './http-head-writer.js';
export { HttpStatus, reasonPhrase } from './http-status.js';
export {
  type AcceptedDeflateOffer,
  acceptDeflateOffer,
  acceptDeflateResponse,
  acceptDeflateResponseToOffers,
  checkDeflateResponse,
  type DeflateAgreement,
  type DeflateResponseCheck,
  deflateOffer,
  deflateOffers,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateOptions,
} from './permessage-deflate.js';
export { type RandomSource, webRandom } from './random.js';
