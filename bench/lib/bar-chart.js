// A grouped horizontal bar chart for measures over kinds rather than sizes (frame kinds, header forms):
// one group per case, one bar per series on a linear scale, each bar labelled with its value.

import { formatValue } from './format.js';
import { element, PALETTE, round, svgDocument, text } from './svg.js';

const WIDTH = 900;
const LEFT = 150;
const RIGHT = 820;
const BAR = 14;
const GROUP_GAP = 18;
const TOP = 50;

export function barChart(result) {
  const all = result.series.flatMap((s) => s.values).filter((v) => typeof v === 'number' && v > 0);
  const max = all.length > 0 ? Math.max(...all) : 1;
  const groupHeight = result.series.length * BAR + GROUP_GAP;
  const legendTop = TOP + result.cases.length * groupHeight + 10;
  const height = legendTop + result.series.length * 18 + 20;
  const width = (v) => ((RIGHT - LEFT) * v) / max;

  const parts = [text(LEFT, 28, `${result.title} (${result.unit})`, { 'font-size': 15 })];
  result.cases.forEach((c, i) => {
    const groupTop = TOP + i * groupHeight;
    parts.push(text(LEFT - 8, groupTop + (result.series.length * BAR) / 2 + 4, c.label, { 'text-anchor': 'end' }));
    result.series.forEach((series, index) => {
      const v = series.values[i];
      if (typeof v !== 'number') return;
      const yy = groupTop + index * BAR;
      const fill = PALETTE[index % PALETTE.length];
      parts.push(element('rect', { x: LEFT, y: yy, width: round(width(v)), height: BAR - 2, fill }));
      parts.push(text(LEFT + width(v) + 4, yy + BAR - 4, formatValue(v), { 'font-size': 10 }));
    });
  });
  result.series.forEach((series, index) => {
    const yy = legendTop + index * 18;
    parts.push(element('rect', { x: LEFT, y: yy, width: 14, height: 12, fill: PALETTE[index % PALETTE.length] }));
    parts.push(text(LEFT + 20, yy + 10, series.label));
  });
  return svgDocument(WIDTH, height, parts.join('\n'));
}
