// The page a user would write: import the codec by its package name and let Vite bundle it.

import * as codec from 'wasmsocket/codec';
import { runCodecProbe } from '../codec-probe.js';

window.codecProbe = runCodecProbe(codec);
