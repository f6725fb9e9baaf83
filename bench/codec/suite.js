// The codec suite: masking, UTF-8 validation, frame scanning and lone headers, each against its
// baselines in the same run, then the dispatcher thresholds and the targets those figures bear on.

import { environment, environmentLine } from './environment.js';
import { framesMeasure } from './frames.js';
import { headerMeasure } from './header.js';
import { maskMeasure } from './mask.js';
import { scanChunkMeasure } from './scan-chunk.js';
import { targetsMarkdown } from './targets.js';
import { thresholdsMarkdown } from './thresholds.js';
import { utf8Measure } from './utf8.js';

export const suite = {
  name: 'codec',
  title: 'wasmsocket/codec against native, JS and copy baselines',
  environment,
  header: () => `## Codec benchmark\n\n${environmentLine()}`,
  measures: [
    maskMeasure,
    utf8Measure('ascii'),
    utf8Measure('mixed'),
    framesMeasure,
    scanChunkMeasure('binary'),
    scanChunkMeasure('text'),
    headerMeasure,
  ],
  summary: (results) => `${thresholdsMarkdown(results)}\n\n${targetsMarkdown(results)}`,
};
