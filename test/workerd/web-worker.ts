// A Worker that runs the client scenario (test/web/client-scenario.ts) with wasmsocket/web's
// WebSocketStream: workerd's cloudflare:sockets connector, the workerd codec build. Bundled from the
// built package by web-websocket-stream.node.test.ts. The servers' ports come as text bindings.
//
// GET /?target=ours  runs against wasmsocket's Node server (binding OUR_PORT)
// GET /?target=ws    runs against the ws package's server (binding WS_PORT)

import { activeBackend } from 'wasmsocket/codec';
import { WebSocketStream } from 'wasmsocket/web';
import { ECHO_SIZES, runClientScenario } from '../web/client-scenario.ts';

interface Env {
  OUR_PORT: string;
  WS_PORT: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const query = new URL(request.url).searchParams;
    const target = query.get('target');
    // ?max=N runs only the sizes up to N bytes (for looking into a failure).
    const max = Number(query.get('max') ?? Number.POSITIVE_INFINITY);
    const port = target === 'ours' ? env.OUR_PORT : target === 'ws' ? env.WS_PORT : null;
    if (port === null) return new Response('target must be ours or ws', { status: 400 });
    try {
      const report = await runClientScenario(
        WebSocketStream,
        `ws://127.0.0.1:${port}/`,
        ECHO_SIZES.filter((size) => size <= max),
      );
      return Response.json({ ...report, backend: activeBackend(), userAgent: navigator.userAgent });
    } catch (error) {
      return new Response(error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error), {
        status: 500,
      });
    }
  },
};
