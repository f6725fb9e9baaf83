// Starts Debian's Chromium under Playwright for node-project tests that drive a real browser page (the
// browser project has vitest's own launcher; this is for tests whose assertions live in Node).

import { type Browser, chromium } from 'playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';

/** A cold Chromium start on a loaded 2-core machine takes a few seconds; this only catches a hang. */
const LAUNCH_TIMEOUT_MS = 20_000;

/** Launches headless Chromium; the caller closes it (in afterAll) with browser.close(). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
  });
}
