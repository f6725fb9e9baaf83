// A Worker that runs every codec check inside workerd, once per backend, and answers with the outcomes
// as JSON. Bundled from the built package (dist/) by test/workerd/codec.node.test.ts through
// test/support/workerd.ts, so 'wasmsocket/codec' and its '#wasm-loader' resolve as they would for a user
// deploying to Cloudflare Workers.
//
// GET /                 every backend
// GET /?backend=<name>  one backend (js, wasm or wasm-simd)

import { activeBackend, ready, setBackend } from 'wasmsocket/codec';
// The dispatcher's own module in the built package (the one 'wasmsocket/codec' loads), for its runtime table.
import { RUNTIME, RUNTIME_THRESHOLDS, THRESHOLDS } from '../../dist/src/codec/dispatch.js';
import { codecChecks } from '../codec/checks/index.ts';
import type { Backend } from '../support/check.ts';

export const BACKENDS: readonly Backend[] = ['js', 'wasm', 'wasm-simd'];

export interface CheckOutcome {
  backend: Backend;
  name: string;
  ok: boolean;
  /** The thrown error's name and message, when the check failed. */
  error?: string;
}

export interface CodecReport {
  /** navigator.userAgent as the Worker sees it: 'Cloudflare-Workers' in workerd. */
  userAgent: string;
  /** What activeBackend() reports under setBackend('auto') once `ready` has resolved. */
  autoBackend: string;
  /** The runtime the dispatcher found, and whether it took that runtime's thresholds. */
  runtime: string;
  usesRuntimeTable: boolean;
  /** The codec checks this Worker was built with, so the caller can see none went missing. */
  checkNames: string[];
  outcomes: CheckOutcome[];
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function runChecks(backend: Backend): CheckOutcome[] {
  const outcomes: CheckOutcome[] = [];
  try {
    setBackend(backend);
  } catch (error) {
    // A backend that cannot load here fails every check, by name, rather than vanishing from the report.
    const reason = `setBackend('${backend}') threw ${describeError(error)}`;
    return codecChecks.map(({ name }) => ({ backend, name, ok: false, error: reason }));
  }
  for (const check of codecChecks) {
    try {
      check.run(backend);
      outcomes.push({ backend, name: check.name, ok: true });
    } catch (error) {
      outcomes.push({ backend, name: check.name, ok: false, error: describeError(error) });
    }
  }
  return outcomes;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const requested = new URL(request.url).searchParams.get('backend');
    const backends = requested === null ? BACKENDS : BACKENDS.filter((backend) => backend === requested);
    if (backends.length === 0) {
      return new Response(`unknown backend ${JSON.stringify(requested)}; use one of ${BACKENDS.join(', ')}`, {
        status: 400,
      });
    }
    await ready;
    setBackend('auto');
    const autoBackend = activeBackend();
    const outcomes = backends.flatMap(runChecks);
    setBackend('auto');
    const report: CodecReport = {
      userAgent: navigator.userAgent,
      autoBackend,
      runtime: RUNTIME,
      usesRuntimeTable: RUNTIME_THRESHOLDS === THRESHOLDS.workerd,
      checkNames: codecChecks.map(({ name }) => name),
      outcomes,
    };
    return Response.json(report);
  },
};
