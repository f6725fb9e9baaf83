// Negotiating permessage-deflate (RFC 7692 section 7.1), both roles, from parsed extension items.

import { describe, expect, it } from 'vitest';
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  deflateOffer,
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
