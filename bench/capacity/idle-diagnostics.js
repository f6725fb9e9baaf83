// Preloaded (`node --import`) into the "wasmsocket + idle diagnostics subscribers" capacity server: one
// subscriber on each of wasmsocket's diagnostics channels (src/node/diagnostics.ts) that does nothing, so
// that every publish point finds `hasSubscribers` true and builds and publishes its message. The row
// beside plain `wasmsocket serve` shows what an application that subscribes pays (issue 14: at most 2 %
// at 32 B). The server probe's `diagnostics` request reports which channels have subscribers.

import { subscribeIdle } from './diagnostics-channels.js';

subscribeIdle();
