// The codec suite: masking, UTF-8 validation, frame scanning and lone headers, each against its
// baselines in the same run, then the dispatcher thresholds and the targets those figures bear on.
// BENCH_CODEC_MEASURES (ids, comma-separated) runs only some measures: `npm start` runs mask and frames.

import { environment, environmentLine } from './environment.js';
import { framesMeasure } from './frames.js';
import { headerMeasure } from './header.js';
import { maskMeasure } from './mask.js';
import { scanChunkMeasure } from './scan-chunk.js';
import { codecHeadline, targetsMarkdown } from './targets.js';
import { thresholdsMarkdown } from './thresholds.js';
import { utf8Measure } from './utf8.js';

const ALL_MEASURES = [
  maskMeasure,
  utf8Measure('ascii'),
  utf8Measure('mixed'),
  framesMeasure,
  scanChunkMeasure('binary'),
  scanChunkMeasure('text'),
  headerMeasure,
];

function selectedMeasures() {
  const wanted = process.env.BENCH_CODEC_MEASURES;
  if (wanted === undefined || wanted === '') return ALL_MEASURES;
  const ids = wanted.split(',').map((id) => id.trim());
  const unknown = ids.filter((id) => !ALL_MEASURES.some((m) => m.id === id));
  if (unknown.length > 0) {
    throw new RangeError(
      `bench: BENCH_CODEC_MEASURES names unknown measures ${unknown.join(', ')}; known: ${ALL_MEASURES.map((m) => m.id).join(', ')}`,
    );
  }
  return ALL_MEASURES.filter((m) => ids.includes(m.id));
}

/** The thresholds table needs the mask, UTF-8 and scan-chunk measures. */
const THRESHOLD_INPUTS = ['mask', 'utf8-ascii', 'utf8-mixed', 'scan-chunk-binary', 'scan-chunk-text'];

export const suite = {
  name: 'codec',
  title: 'wasmsocket/codec against native, JS and copy baselines',
  environment,
  header: () => `## Codec benchmark\n\n${environmentLine()}`,
  measures: selectedMeasures(),
  summary: (results) => {
    const thresholds = THRESHOLD_INPUTS.every((id) => results.some((r) => r.id === id));
    return `${thresholds ? `${thresholdsMarkdown(results)}\n\n` : ''}${targetsMarkdown(results)}`;
  },
  headline: codecHeadline,
};
