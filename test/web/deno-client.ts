// The client scenario in Deno: bundled from the built package with the "deno" export condition (so
// wasmsocket/web finds Deno.connect by itself), run by deno-client.node.test.ts as
// `deno run --allow-net --allow-read=<dir> client.js <our port> <ws port>`. Prints one JSON line.

import { activeBackend } from 'wasmsocket/codec';
import { WebSocketStream } from 'wasmsocket/web';
import { runClientScenario } from './client-scenario.ts';

declare const Deno: { args: string[]; version: { deno: string } };

const [ourPort, wsPort] = Deno.args;
const ours = await runClientScenario(WebSocketStream, `ws://127.0.0.1:${ourPort}/`);
const wsPackage = await runClientScenario(WebSocketStream, `ws://127.0.0.1:${wsPort}/`);
console.log(JSON.stringify({ deno: Deno.version.deno, backend: activeBackend(), ours, wsPackage }));
