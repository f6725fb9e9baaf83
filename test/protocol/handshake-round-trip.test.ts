// Both halves together, through bytes: the client's request is written, read back by the head parser
// in random pieces, checked by the server, answered (with permessage-deflate negotiated by
// permessage-deflate.ts), and the answer read back and checked by the client, with the first frames
// arriving in the same chunk as the 101.

import { createHash, randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { upgradeRequestHead, validateUpgradeResponse } from '../../src/protocol/handshake-client.ts';
import { computeAccept, computeAcceptAsync, generateKey } from '../../src/protocol/handshake-key.ts';
import { acceptResponseHead, refusalResponse, validateUpgradeRequest } from '../../src/protocol/handshake-server.ts';
import {
  HeadReader,
  type HeadReaderResult,
  type RequestHead,
  type ResponseHead,
} from '../../src/protocol/http-head.ts';
import { encodeHead } from '../../src/protocol/http-head-writer.ts';
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  deflateOffer,
  type PerMessageDeflateOptions,
} from '../../src/protocol/permessage-deflate.ts';
import { Random } from '../support/random.ts';

const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest();
const random = (target: Uint8Array) => void randomFillSync(target);
const FRAME = new Uint8Array([0x81, 0x02, 0x48, 0x69]);

/** Feeds `data` to a reader in pieces cut at random places; returns the result and the bytes after the head. */
function readInPieces<Head extends RequestHead | ResponseHead>(
  reader: HeadReader<Head>,
  data: Uint8Array,
  cuts: Random,
): { result: HeadReaderResult<Head>; after: number[] } {
  let at = 0;
  for (;;) {
    const end = Math.min(data.length, at + 1 + cuts.below(40));
    const result = reader.push(data.subarray(at, end));
    at = end;
    if (result.kind !== 'need-more') {
      const after = result.kind === 'complete' ? [...result.rest, ...data.subarray(at)] : [];
      return { result, after };
    }
    if (at === data.length) throw new Error('the data ended before the head did');
  }
}

describe('request → server → response → client', () => {
  const cases: Array<{
    protocols: string[];
    choose: (offered: string[]) => string;
    deflate?: PerMessageDeflateOptions;
  }> = [
    { protocols: [], choose: () => '' },
    { protocols: ['chat', 'superchat'], choose: (offered) => offered[1] },
    { protocols: ['v1.json'], choose: (offered) => offered[0], deflate: {} },
    { protocols: [], choose: () => '', deflate: { memory: 'shared', serverMaxWindowBits: 10 } },
    { protocols: [], choose: () => '', deflate: { clientMaxWindowBits: 9, serverNoContextTakeover: true } },
  ];

  for (const [index, setup] of cases.entries()) {
    it(`agrees end to end (case ${index}: ${JSON.stringify(setup.protocols)}, deflate ${JSON.stringify(setup.deflate)})`, async () => {
      const cuts = new Random(1000 + index);
      for (let round = 0; round < 25; round++) {
        const key = generateKey(random);
        const offer = setup.deflate === undefined ? undefined : deflateOffer(setup.deflate);
        const requestBytes = encodeHead(
          upgradeRequestHead({
            url: 'ws://127.0.0.1:9001/socket?x=1',
            key,
            protocols: setup.protocols,
            extensions: offer,
            origin: 'https://app.example',
          }),
        );

        const readRequest = readInPieces(new HeadReader<RequestHead>('request'), requestBytes, cuts);
        if (readRequest.result.kind !== 'complete') throw new Error(`request: ${readRequest.result.kind}`);
        expect(readRequest.after).toEqual([]);
        const checked = validateUpgradeRequest(readRequest.result.head);
        if (!checked.ok) throw checked.error;
        expect(checked.request).toMatchObject({
          key,
          protocols: setup.protocols,
          origin: 'https://app.example',
          host: '127.0.0.1:9001',
          url: '/socket?x=1',
        });

        const negotiated =
          setup.deflate === undefined ? null : acceptDeflateOffer(setup.deflate, checked.request.extensions);
        if (setup.deflate !== undefined) expect(negotiated).not.toBeNull();
        const protocol = setup.choose(checked.request.protocols);
        const answer = encodeHead(
          acceptResponseHead({
            accept: computeAccept(checked.request.key, sha1),
            protocol,
            extensions: negotiated?.response,
          }),
        );
        const wire = new Uint8Array([...answer, ...FRAME]);

        const readResponse = readInPieces(new HeadReader<ResponseHead>('response'), wire, cuts);
        if (readResponse.result.kind !== 'complete') throw new Error(`response: ${readResponse.result.kind}`);
        expect(readResponse.after).toEqual([...FRAME]);
        const verdict = validateUpgradeResponse(readResponse.result.head, {
          accept: await computeAcceptAsync(key),
          protocols: setup.protocols,
          extensions: offer === undefined ? [] : ['permessage-deflate'],
        });
        if (!verdict.ok) throw verdict.error;
        expect(verdict.protocol).toBe(protocol);
        if (setup.deflate !== undefined && negotiated !== null) {
          expect(acceptDeflateResponse(setup.deflate, verdict.extensions)).toEqual(negotiated.agreement);
        } else {
          expect(verdict.extensions).toEqual([]);
        }
      }
    });
  }

  it("a refusal reads back as an unexpected response carrying the server's status", () => {
    const request = encodeHead(
      upgradeRequestHead({ url: 'ws://a/', key: generateKey(random), headers: { 'Sec-WebSocket-Version': '12' } }),
    );
    const reader = new HeadReader<RequestHead>('request');
    const read = reader.push(request);
    if (read.kind !== 'complete') throw new Error(read.kind);
    const checked = validateUpgradeRequest(read.head);
    expect(checked.ok).toBe(true); // the caller's version header is dropped: the request says 13.

    const tampered = new HeadReader<RequestHead>('request').push(
      encodeHead(new TextDecoder().decode(request).replace('Version: 13', 'Version: 12')),
    );
    if (tampered.kind !== 'complete') throw new Error(tampered.kind);
    const refused = validateUpgradeRequest(tampered.head);
    if (refused.ok) throw new Error('expected a refusal');
    const answer = new HeadReader<ResponseHead>('response').push(encodeHead(refusalResponse(refused.error)));
    if (answer.kind !== 'complete') throw new Error(answer.kind);
    const verdict = validateUpgradeResponse(answer.head, { accept: 'x', protocols: [], extensions: [] });
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error.responseStatus).toBe(426);
    expect(answer.head.headers.get('sec-websocket-version')).toBe('13, 8');
    expect(new TextDecoder().decode(answer.rest)).toBe('Missing or invalid Sec-WebSocket-Version header');
  });
});
