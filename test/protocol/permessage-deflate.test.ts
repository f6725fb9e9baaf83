// Negotiating permessage-deflate (RFC 7692 section 7.1), both roles, from parsed extension items.

import { describe, expect, it } from 'vitest';
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  acceptDeflateResponseToOffers,
  deflateOffer,
  deflateOffers,
  type ExtensionItem,
} from '../../src/protocol/permessage-deflate.ts';

/** An extension item from `name; a; b=1` style text (a tiny parser for test input only). */
function item(text: string): ExtensionItem {
  const [name, ...rest] = text.split(';').map((part) => part.trim());
  const params = new Map<string, string | true | Array<string | true>>();
  for (const part of rest) {
    const [key, value] = part.split('=');
    const parsed: string | true = value === undefined ? true : value.replace(/^"|"$/g, '');
    const existing = params.get(key);
    params.set(key, existing === undefined ? parsed : ([] as Array<string | true>).concat(existing, parsed));
  }
  return { name, params };
}

describe('server: accepting offers', () => {
  it("accepts Chromium's offer and answers with no extra parameters by default", () => {
    const result = acceptDeflateOffer({}, [item('permessage-deflate; client_max_window_bits')]);
    expect(result?.response).toBe('permessage-deflate');
    expect(result?.agreement).toEqual({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    });
  });

  it('in shared memory mode requires no context takeover both ways', () => {
    const result = acceptDeflateOffer({ memory: 'shared' }, [item('permessage-deflate; client_max_window_bits')]);
    expect(result?.response).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
  });

  it('honours every parameter of an offer, with and without values', () => {
    const result = acceptDeflateOffer({}, [
      item(
        'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12',
      ),
    ]);
    expect(result?.response).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12',
    );
    expect(result?.agreement).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 12,
    });
  });

  it('applies its own limits, but sets client_max_window_bits only when the client offered it', () => {
    expect(
      acceptDeflateOffer({ serverMaxWindowBits: 11, clientMaxWindowBits: 9 }, [item('permessage-deflate')])?.response,
    ).toBe('permessage-deflate; server_max_window_bits=11');
    expect(
      acceptDeflateOffer({ serverMaxWindowBits: 11, clientMaxWindowBits: 9 }, [
        item('permessage-deflate; client_max_window_bits; server_max_window_bits=13'),
      ])?.response,
    ).toBe('permessage-deflate; server_max_window_bits=11; client_max_window_bits=9');
  });

  it('declines invalid, duplicated and unknown parameters, and takes the next offer', () => {
    const invalid = [
      'permessage-deflate; server_max_window_bits',
      'permessage-deflate; server_max_window_bits=7',
      'permessage-deflate; server_max_window_bits=16',
      'permessage-deflate; server_max_window_bits=010',
      'permessage-deflate; client_max_window_bits=abc',
      'permessage-deflate; server_no_context_takeover=1',
      'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
      'permessage-deflate; unknown_parameter',
    ];
    for (const offer of invalid) {
      expect(acceptDeflateOffer({}, [item(offer)]), offer).toBeNull();
      expect(acceptDeflateOffer({}, [item(offer), item('permessage-deflate')])?.response, offer).toBe(
        'permessage-deflate',
      );
    }
    expect(acceptDeflateOffer({}, [item('x-webkit-deflate-frame')])).toBeNull();
  });

  it('refuses a limit on its window when serverMaxWindowBits is false', () => {
    expect(
      acceptDeflateOffer({ serverMaxWindowBits: false }, [item('permessage-deflate; server_max_window_bits=10')]),
    ).toBeNull();
  });
});

describe('client: offering and checking the response', () => {
  it('offers client_max_window_bits as ws does, plus what the options ask', () => {
    expect(deflateOffer({})).toBe('permessage-deflate; client_max_window_bits');
    expect(deflateOffer({ memory: 'shared', serverMaxWindowBits: 10, clientMaxWindowBits: 11 })).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11',
    );
  });

  it('accepts a valid response and records what it agreed', () => {
    expect(
      acceptDeflateResponse({}, [item('permessage-deflate; server_no_context_takeover; client_max_window_bits=10')]),
    ).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 10,
    });
  });

  it('fails on responses that break the rules', () => {
    expect(acceptDeflateResponse({}, [item('permessage-deflate; client_max_window_bits')])).toMatch(/Invalid/);
    expect(acceptDeflateResponse({}, [item('permessage-deflate; bogus')])).toMatch(/Invalid/);
    expect(acceptDeflateResponse({}, [item('other')])).toMatch(/not requested/);
    expect(acceptDeflateResponse({}, [item('permessage-deflate'), item('permessage-deflate')])).toMatch(
      /not requested/,
    );
    expect(acceptDeflateResponse({ serverNoContextTakeover: true }, [item('permessage-deflate')])).toMatch(
      /server_no_context_takeover/,
    );
    expect(
      acceptDeflateResponse({ serverMaxWindowBits: 10 }, [item('permessage-deflate; server_max_window_bits=12')]),
    ).toMatch(/above/);
    expect(
      acceptDeflateResponse({ clientMaxWindowBits: false }, [item('permessage-deflate; client_max_window_bits=12')]),
    ).toMatch(/not offered/);
  });

  it('rejects window-bits options outside 8-15 with a RangeError', () => {
    expect(() => deflateOffer({ serverMaxWindowBits: 16 })).toThrow(RangeError);
  });
});

describe('client: several offers (RFC 7692 section 5)', () => {
  const offers = [
    { serverMaxWindowBits: 10, serverNoContextTakeover: true },
    { clientMaxWindowBits: 9 },
    { clientNoContextTakeover: true, clientMaxWindowBits: false },
  ];

  it('writes every offer into one header value, most preferred first', () => {
    expect(deflateOffers(offers)).toBe(
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits, ' +
        'permessage-deflate; client_max_window_bits=9, ' +
        'permessage-deflate; client_no_context_takeover',
    );
    expect(deflateOffers([{}])).toBe(deflateOffer({}));
  });

  it('takes the first offer the response fits, and agrees to what that offer and the response say', () => {
    // Fits the first: the limit asked for, server_no_context_takeover honoured.
    expect(
      acceptDeflateResponseToOffers(offers, [
        item('permessage-deflate; server_no_context_takeover; server_max_window_bits=9'),
      ]),
    ).toEqual({
      offer: 0,
      agreement: {
        serverNoContextTakeover: true,
        clientNoContextTakeover: false,
        serverMaxWindowBits: 9,
        clientMaxWindowBits: 15,
      },
    });
    // No server_no_context_takeover: not the first; the second, whose value caps our window.
    expect(acceptDeflateResponseToOffers(offers, [item('permessage-deflate')])).toEqual({
      offer: 1,
      agreement: {
        serverNoContextTakeover: false,
        clientNoContextTakeover: false,
        serverMaxWindowBits: 15,
        clientMaxWindowBits: 9,
      },
    });
    // client_max_window_bits=12 is above the second offer's 9; the third did not offer it: none fits...
    expect(acceptDeflateResponseToOffers(offers, [item('permessage-deflate; client_max_window_bits=12')])).toBe(
      'Invalid Sec-WebSocket-Extensions header: the response fits none of the 3 offers (' +
        'offer 1: server_no_context_takeover was requested; offer 2: client_max_window_bits above our offer; ' +
        'offer 3: client_max_window_bits was not offered)',
    );
    // ...while 8 fits the second.
    const eight = acceptDeflateResponseToOffers(offers, [item('permessage-deflate; client_max_window_bits=8')]);
    expect(eight).toMatchObject({ offer: 1, agreement: { clientMaxWindowBits: 8 } });
    // The third promised no context takeover: the agreement keeps it although the response left it out.
    const third = acceptDeflateResponseToOffers([offers[2]], [item('permessage-deflate')]);
    expect(third).toMatchObject({ offer: 0, agreement: { clientNoContextTakeover: true } });
  });

  it('fails on a response that is invalid whatever was offered', () => {
    for (const response of [
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      'permessage-deflate; client_max_window_bits',
      'permessage-deflate; server_max_window_bits=7',
      'permessage-deflate; unknown',
    ]) {
      expect(acceptDeflateResponseToOffers(offers, [item(response)]), response).toBe(
        'Invalid Sec-WebSocket-Extensions header',
      );
    }
    expect(acceptDeflateResponseToOffers(offers, [item('x-webkit-deflate-frame')])).toMatch(/not requested/);
  });

  it('takes what a server may add unasked (7.1.1.1, 7.1.1.2, 7.1.2.1), and only that', () => {
    const added = acceptDeflateResponseToOffers(
      [{}],
      [item('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11')],
    );
    expect(added).toEqual({
      offer: 0,
      agreement: {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 11,
        clientMaxWindowBits: 15,
      },
    });
    // An offered server_max_window_bits is accepted only by naming it (7.1.2.1), even at 15.
    expect(acceptDeflateResponse({ serverMaxWindowBits: 15 }, [item('permessage-deflate')])).toBe(
      'Invalid Sec-WebSocket-Extensions header: server_max_window_bits was requested',
    );
  });
});
