// A line chart of a measure over sizes: cases evenly spaced on x (they grow geometrically), values on a
// logarithmic y axis (they span several decades), one line per series, the legend on the right.

import { formatValue } from './format.js';
import { element, PALETTE, round, svgDocument, text, textWidth } from './svg.js';

const HEIGHT = 480;
const PLOT = { left: 70, right: 640, top: 50, bottom: 400 };
/** The legend starts here; the chart grows to the right to fit its longest label. */
const LEGEND_LEFT = 660;

export function lineChart(result) {
  const width = Math.ceil(
    Math.max(900, LEGEND_LEFT + 32 + Math.max(0, ...result.series.map((s) => textWidth(s.label))) + 16),
  );
  const all = result.series.flatMap((s) => s.values).filter((v) => typeof v === 'number' && v > 0);
  if (all.length === 0) return svgDocument(width, HEIGHT, text(20, 30, `${result.title}: no data`));
  const lowDecade = Math.floor(Math.log10(Math.min(...all)));
  const highDecade = Math.max(lowDecade + 1, Math.ceil(Math.log10(Math.max(...all))));
  const x = (i) => PLOT.left + ((PLOT.right - PLOT.left) * i) / Math.max(1, result.cases.length - 1);
  const y = (v) => PLOT.bottom - ((PLOT.bottom - PLOT.top) * (Math.log10(v) - lowDecade)) / (highDecade - lowDecade);

  const parts = [text(PLOT.left, 28, `${result.title} (${result.unit}, log scale)`, { 'font-size': 15 })];
  for (let decade = lowDecade; decade <= highDecade; decade++) {
    const yy = y(10 ** decade);
    parts.push(element('line', { x1: PLOT.left, x2: PLOT.right, y1: round(yy), y2: round(yy), stroke: '#ddd' }));
    parts.push(text(PLOT.left - 8, yy + 4, formatValue(10 ** decade), { 'text-anchor': 'end' }));
  }
  result.cases.forEach((c, i) => {
    const xx = x(i);
    parts.push(element('line', { x1: round(xx), x2: round(xx), y1: PLOT.top, y2: PLOT.bottom, stroke: '#f0f0f0' }));
    parts.push(
      text(xx, PLOT.bottom + 16, c.label, {
        'text-anchor': 'end',
        transform: `rotate(-40 ${round(xx)} ${PLOT.bottom + 16})`,
      }),
    );
  });
  parts.push(text((PLOT.left + PLOT.right) / 2, HEIGHT - 8, result.caseLabel, { 'text-anchor': 'middle' }));

  result.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length];
    // A missing value breaks the line rather than joining across it.
    const segments = [[]];
    series.values.forEach((v, i) => {
      if (typeof v === 'number' && v > 0) segments.at(-1).push(`${round(x(i))},${round(y(v))}`);
      else segments.push([]);
    });
    for (const points of segments) {
      if (points.length > 1) {
        parts.push(element('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
      }
      for (const point of points) {
        const [cx, cy] = point.split(',');
        parts.push(element('circle', { cx, cy, r: 2.5, fill: color }));
      }
    }
    const legendY = PLOT.top + 8 + index * 20;
    parts.push(
      element('line', {
        x1: LEGEND_LEFT,
        x2: LEGEND_LEFT + 24,
        y1: legendY,
        y2: legendY,
        stroke: color,
        'stroke-width': 3,
      }),
    );
    parts.push(text(LEGEND_LEFT + 32, legendY + 4, series.label));
  });
  return svgDocument(width, HEIGHT, parts.join('\n'));
}
