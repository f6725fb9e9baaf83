// The web-scenarios in Deno: bundled from the built package with the "deno" export condition (so
// wasmsocket/web connects with Deno.connect), run by deno-reconnect.node.test.ts as
// `deno run --allow-net=127.0.0.1 --allow-env=WASMSOCKET_BACKEND client.js <drop> <dead> <401 urls>`.
// Prints one JSON line and ends by itself: a timer left behind would keep Deno running, and the test
// waits only so long.

import { activeBackend } from 'wasmsocket/codec';
import { ReconnectingWebSocket } from 'wasmsocket/web';
import { dropAndQueue, giveUpWithBackoff, queueBound, refusedHandshake } from './web-scenarios.ts';

declare const Deno: { args: string[]; version: { deno: string } };

const [dropUrl, deadUrl, refusingUrl] = Deno.args;
const drop = await dropAndQueue(ReconnectingWebSocket, dropUrl);
const backoff = await giveUpWithBackoff(ReconnectingWebSocket, deadUrl);
const queue = await queueBound(ReconnectingWebSocket, deadUrl);
const refused = await refusedHandshake(ReconnectingWebSocket, refusingUrl);
console.log(JSON.stringify({ deno: Deno.version.deno, backend: activeBackend(), drop, backoff, queue, refused }));
