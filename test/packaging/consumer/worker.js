// A module Worker a user would deploy: import the codec by its package name and let the bundler keep the
// .wasm files as modules (workerd compiles WebAssembly only from uploaded modules).

import * as codec from 'wasmsocket/codec';
import { runCodecProbe } from './codec-probe.js';

export default {
  async fetch() {
    return Response.json({ userAgent: navigator.userAgent, ...(await runCodecProbe(codec)) });
  },
};
