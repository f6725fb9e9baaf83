// Subprotocols and extensions in the opening handshake, written once (handshake-negotiation.ts) and
// used by both servers' checks (HTTP/1.1 and extended CONNECT) and both clients' checks of the answer:
// every case here runs through each of those, so that the two transports cannot drift apart again.

import { describe, expect, it } from 'vitest';
import { validateUpgradeResponse } from '../../src/protocol/handshake-client.ts';
import { HandshakeError, HandshakeErrorCode } from '../../src/protocol/handshake-error.ts';
import { validateConnectResponse } from '../../src/protocol/handshake-extended-connect-client.ts';
import { validateConnectRequest } from '../../src/protocol/handshake-extended-connect-server.ts';
import {
  type AnswerCheck,
  checkAnswer,
  checkedProtocolOffer,
  type HandshakeOffer,
  protocolOfferFault,
  readOffers,
} from '../../src/protocol/handshake-negotiation.ts';
import { validateUpgradeRequest } from '../../src/protocol/handshake-server.ts';
import { HeaderFields } from '../../src/protocol/header-fields.ts';
import { HeaderSyntaxError } from '../../src/protocol/header-tokens.ts';
import { HttpStatus } from '../../src/protocol/http-status.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

describe('the subprotocols a client offers', () => {
  it('finds the first entry that is not a token, or is offered twice', () => {
    expect(protocolOfferFault([])).toBeNull();
    expect(protocolOfferFault(['chat', 'superchat', 'v1.json'])).toBeNull();
    expect(protocolOfferFault(['a', 'b c', 'a'])).toEqual({ protocol: 'b c', reason: 'not-a-token' });
    expect(protocolOfferFault(['a', 'a', 'b c'])).toEqual({ protocol: 'a', reason: 'repeated' });
    for (const bad of ['', 'a,b', 'a;b', 'é', 'a"b', 1, null, undefined]) {
      expect(protocolOfferFault(['ok', bad]), String(bad)).toEqual({ protocol: bad, reason: 'not-a-token' });
    }
    // Case matters: "Chat" and "chat" are two subprotocols (section 11.3.4 compares them as given).
    expect(protocolOfferFault(['chat', 'Chat'])).toBeNull();
  });

  it("throws ws's SyntaxError, and returns a copy of the list", () => {
    const list = ['a', 'b'];
    const checked = checkedProtocolOffer(list);
    expect(checked).toEqual(list);
    expect(checked).not.toBe(list);
    expect(checkedProtocolOffer(undefined)).toEqual([]);
    for (const bad of [['a', 'a'], ['a b'], [''], [7 as unknown as string]]) {
      expect(() => checkedProtocolOffer(bad)).toThrow(
        new SyntaxError('An invalid or duplicated subprotocol was specified'),
      );
    }
  });
});

/** The request fields of both transports around the same two list fields. */
function requestsWith(fields: Array<[string, string]>) {
  const http1 = validateUpgradeRequest({
    method: 'GET',
    httpVersion: '1.1',
    url: '/',
    headers: HeaderFields.fromRawPairs(
      [
        ['Host', 'a'],
        ['Upgrade', 'websocket'],
        ['Connection', 'Upgrade'],
        ['Sec-WebSocket-Key', KEY],
        ['Sec-WebSocket-Version', '13'],
        ...fields,
      ].flat(),
    ),
  });
  const http2 = validateConnectRequest(
    HeaderFields.fromRawPairs(
      [
        [':method', 'CONNECT'],
        [':protocol', 'websocket'],
        [':scheme', 'https'],
        [':path', '/'],
        [':authority', 'a'],
        ['sec-websocket-version', '13'],
        ...fields,
      ].flat(),
    ),
  );
  const alone = readOffers(HeaderFields.fromRawPairs(fields.flat()));
  return { http1, http2, alone };
}

describe('the offers a server reads', () => {
  it('reads both lists, joined across field lines, in the same way over HTTP/1.1 and HTTP/2', () => {
    const fields: Array<[string, string]> = [
      ['Sec-WebSocket-Protocol', 'chat, superchat'],
      ['Sec-WebSocket-Protocol', 'v2'],
      ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
      ['Sec-WebSocket-Extensions', 'x-foo; a=1, permessage-deflate'],
    ];
    const { http1, http2, alone } = requestsWith(fields);
    if (!http1.ok || !http2.ok || !alone.ok) throw new Error('expected the offers to be read');
    expect(alone.protocols).toEqual(['chat', 'superchat', 'v2']);
    expect(alone.extensions.map((each) => each.name)).toEqual(['permessage-deflate', 'x-foo', 'permessage-deflate']);
    expect(alone.extensions[1].params.get('a')).toBe('1');
    for (const request of [http1.request, http2.request]) {
      expect(request.protocols).toEqual(alone.protocols);
      expect(request.extensions).toEqual(alone.extensions);
    }
  });

  it('reads no field as no offer', () => {
    const { http1, http2, alone } = requestsWith([]);
    expect(alone).toEqual({ ok: true, protocols: [], extensions: [] });
    expect(http1.ok && http1.request.protocols.length + http1.request.extensions.length).toBe(0);
    expect(http2.ok && http2.request.protocols.length + http2.request.extensions.length).toBe(0);
  });

  it('refuses a list that breaks its grammar with 400, its code, and the parser error as the cause', () => {
    const cases: Array<[string, string, string, string]> = [
      [
        'Sec-WebSocket-Protocol',
        'a b',
        'Invalid Sec-WebSocket-Protocol header',
        HandshakeErrorCode.INVALID_PROTOCOL_HEADER,
      ],
      [
        'Sec-WebSocket-Protocol',
        '',
        'Invalid Sec-WebSocket-Protocol header',
        HandshakeErrorCode.INVALID_PROTOCOL_HEADER,
      ],
      [
        'Sec-WebSocket-Extensions',
        'permessage-deflate; a="b c"',
        'Invalid or unacceptable Sec-WebSocket-Extensions header',
        HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
      ],
      [
        'Sec-WebSocket-Extensions',
        'x;',
        'Invalid or unacceptable Sec-WebSocket-Extensions header',
        HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
      ],
    ];
    for (const [name, value, message, code] of cases) {
      const { http1, http2, alone } = requestsWith([[name, value]]);
      for (const result of [http1, http2, alone]) {
        if (result.ok) throw new Error(`expected ${name}: ${value} to be refused`);
        expect(result.error).toBeInstanceOf(HandshakeError);
        expect(result.error).toMatchObject({ message, code, status: HttpStatus.BAD_REQUEST, headers: [] });
        expect(result.error.cause).toBeInstanceOf(HeaderSyntaxError);
      }
    }
  });
});

/** The answer's fields, checked by checkAnswer alone, by the HTTP/1.1 client and by the HTTP/2 client. */
function answersWith(fields: Array<[string, string]>, offer: HandshakeOffer): AnswerCheck[] {
  const headers = HeaderFields.fromRawPairs(fields.flat());
  const http1 = HeaderFields.fromRawPairs(
    [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Accept', ACCEPT], ...fields].flat(),
  );
  return [
    checkAnswer(headers, offer),
    validateUpgradeResponse({ status: 101, headers: http1 }, { ...offer, accept: ACCEPT }),
    validateConnectResponse(200, headers, offer),
  ];
}

function failures(fields: Array<[string, string]>, offer: HandshakeOffer): HandshakeError[] {
  return answersWith(fields, offer).map((result) => {
    if (result.ok) throw new Error('expected the answer to be refused');
    expect(result.error).toBeInstanceOf(HandshakeError);
    expect(result.error.status).toBeUndefined();
    return result.error;
  });
}

describe("the client's checks of the answer", () => {
  it('takes the subprotocol chosen among those offered, and refuses every other answer', () => {
    const offer: HandshakeOffer = { protocols: ['chat', 'superchat'] };
    for (const result of answersWith([['Sec-WebSocket-Protocol', 'superchat']], offer)) {
      expect(result).toEqual({ ok: true, protocol: 'superchat', extensions: [], deflate: undefined });
    }
    const cases: Array<[Array<[string, string]>, HandshakeOffer, string, string]> = [
      [
        [['Sec-WebSocket-Protocol', 'chat']],
        { protocols: [] },
        'Server sent a subprotocol but none was requested',
        HandshakeErrorCode.UNREQUESTED_SUBPROTOCOL,
      ],
      [
        [['Sec-WebSocket-Protocol', 'Chat']],
        offer,
        'Server sent an invalid subprotocol',
        HandshakeErrorCode.INVALID_SUBPROTOCOL,
      ],
      [
        [
          ['Sec-WebSocket-Protocol', 'chat'],
          ['Sec-WebSocket-Protocol', 'chat'],
        ],
        offer,
        'Server sent an invalid subprotocol',
        HandshakeErrorCode.INVALID_SUBPROTOCOL,
      ],
      [[], offer, 'Server sent no subprotocol', HandshakeErrorCode.MISSING_SUBPROTOCOL],
    ];
    for (const [fields, given, message, code] of cases) {
      for (const error of failures(fields, given)) expect(error).toMatchObject({ message, code });
    }
  });

  it('takes extensions offered by name, once each, and refuses the rest', () => {
    const offer: HandshakeOffer = { protocols: [], extensions: ['x-a', 'x-b'] };
    for (const result of answersWith([['Sec-WebSocket-Extensions', 'x-b; p=1, x-a']], offer)) {
      expect(result.ok && result.extensions.map((each) => each.name)).toEqual(['x-b', 'x-a']);
      expect(result.ok && result.deflate).toBeUndefined();
    }
    const cases: Array<[string, HandshakeOffer, string, string]> = [
      [
        'x-a',
        { protocols: [] },
        'Server sent a Sec-WebSocket-Extensions header but no extension was requested',
        HandshakeErrorCode.UNREQUESTED_EXTENSIONS,
      ],
      ['x-c', offer, 'Server indicated an extension that was not requested', HandshakeErrorCode.UNREQUESTED_EXTENSION],
      ['x-a, x-a', offer, 'Invalid Sec-WebSocket-Extensions header', HandshakeErrorCode.INVALID_EXTENSIONS_HEADER],
      ['x-a;', offer, 'Invalid Sec-WebSocket-Extensions header', HandshakeErrorCode.INVALID_EXTENSIONS_HEADER],
    ];
    for (const [value, given, message, code] of cases) {
      for (const error of failures([['Sec-WebSocket-Extensions', value]], given)) {
        expect(error, value).toMatchObject({ message, code });
      }
    }
  });

  it('checks a permessage-deflate answer against the offers made (RFC 7692 section 5) and names the one it fits', () => {
    const offer: HandshakeOffer = {
      protocols: [],
      deflate: [{ serverMaxWindowBits: 10, serverNoContextTakeover: true }, { clientMaxWindowBits: 9 }],
    };
    for (const result of answersWith(
      [['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits=8']],
      offer,
    )) {
      if (!result.ok) throw result.error;
      expect(result.deflate).toEqual({
        offer: 1,
        agreement: {
          serverNoContextTakeover: false,
          clientNoContextTakeover: false,
          serverMaxWindowBits: 15,
          clientMaxWindowBits: 8,
        },
      });
    }
    // No answer to the offer: no deflate, and nothing refused.
    for (const result of answersWith([], offer)) expect(result).toMatchObject({ ok: true, deflate: undefined });
    const fitsNone =
      'Invalid Sec-WebSocket-Extensions header: the response fits none of the 2 offers (' +
      'offer 1: server_no_context_takeover was requested; offer 2: client_max_window_bits above our offer)';
    for (const error of failures(
      [['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits=12']],
      offer,
    )) {
      expect(error).toMatchObject({ message: fitsNone, code: HandshakeErrorCode.INVALID_EXTENSIONS_HEADER });
    }
    for (const error of failures([['Sec-WebSocket-Extensions', 'permessage-deflate; bogus']], offer)) {
      expect(error).toMatchObject({
        message: 'Invalid Sec-WebSocket-Extensions header',
        code: HandshakeErrorCode.INVALID_EXTENSIONS_HEADER,
      });
    }
    // Offered only by name: the parameters are the caller's to check, so any pass here.
    const byName: HandshakeOffer = { protocols: [], extensions: ['permessage-deflate'] };
    for (const result of answersWith([['Sec-WebSocket-Extensions', 'permessage-deflate; bogus']], byName)) {
      expect(result).toMatchObject({ ok: true, deflate: undefined });
    }
    // No deflate offered (null, as the Node client passes when perMessageDeflate is false).
    for (const error of failures([['Sec-WebSocket-Extensions', 'permessage-deflate']], {
      protocols: [],
      deflate: null,
    })) {
      expect(error.code).toBe(HandshakeErrorCode.UNREQUESTED_EXTENSIONS);
    }
  });
});
