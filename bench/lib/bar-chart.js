// A grouped horizontal bar chart for measures over kinds rather than sizes (frame kinds, header forms,
// benchmark cases): one group per case, one bar per series, each bar labelled with its value. The scale is
// one linear axis for the whole chart, or (result.chartScale === 'per-case') each case's own, for cases
// whose values differ by orders of magnitude (32 B and 1 MiB messages per second): then the longest bar of
// a group is that case's largest value, and bars compare only within their group.

import { formatValue } from './format.js';
import { element, PALETTE, round, svgDocument, text, textWidth } from './svg.js';

const MIN_LEFT = 150;
const PLOT_WIDTH = 620;
const VALUE_ROOM = 70;
const BAR = 14;
const GROUP_GAP = 18;
const TOP = 50;
const TITLE_SIZE = 15;

export function barChart(result) {
  const perCase = result.chartScale === 'per-case';
  const numbers = (values) => values.filter((v) => typeof v === 'number' && v > 0);
  const overall = numbers(result.series.flatMap((s) => s.values));
  const overallMax = overall.length > 0 ? Math.max(...overall) : 1;
  const caseMax = result.cases.map((_, i) => {
    const values = numbers(result.series.map((s) => s.values[i]));
    return values.length > 0 ? Math.max(...values) : 1;
  });
  // Room for the longest case label on the left, and for the title and legend on the right.
  const left = Math.max(MIN_LEFT, 16 + Math.max(...result.cases.map((c) => textWidth(c.label))));
  const right = left + PLOT_WIDTH;
  const better = result.better === 'lower' ? 'lower is better' : 'higher is better';
  const title = `${result.title} (${result.unit}, ${better})`;
  const subtitle = perCase ? 'Each case on its own scale: compare bars within a group only.' : '';
  const legendWidth = Math.max(...result.series.map((s) => textWidth(s.label))) + 40;
  const width = Math.ceil(Math.max(right + VALUE_ROOM, left + textWidth(title, TITLE_SIZE) + 20, left + legendWidth));
  const groupHeight = result.series.length * BAR + GROUP_GAP;
  const legendTop = TOP + result.cases.length * groupHeight + 10;
  const height = legendTop + result.series.length * 18 + 20;

  const parts = [text(left, 24, title, { 'font-size': TITLE_SIZE })];
  if (subtitle !== '') parts.push(text(left, 40, subtitle, { 'font-size': 11, fill: '#555' }));
  result.cases.forEach((c, i) => {
    const groupTop = TOP + i * groupHeight;
    const max = perCase ? caseMax[i] : overallMax;
    const barWidth = (v) => (PLOT_WIDTH * v) / max;
    parts.push(text(left - 8, groupTop + (result.series.length * BAR) / 2 + 4, c.label, { 'text-anchor': 'end' }));
    result.series.forEach((series, index) => {
      const v = series.values[i];
      if (typeof v !== 'number') return;
      const yy = groupTop + index * BAR;
      const fill = PALETTE[index % PALETTE.length];
      parts.push(element('rect', { x: left, y: yy, width: round(barWidth(v)), height: BAR - 2, fill }));
      parts.push(text(left + barWidth(v) + 4, yy + BAR - 4, formatValue(v), { 'font-size': 10 }));
    });
  });
  result.series.forEach((series, index) => {
    const yy = legendTop + index * 18;
    parts.push(element('rect', { x: left, y: yy, width: 14, height: 12, fill: PALETTE[index % PALETTE.length] }));
    parts.push(text(left + 20, yy + 10, series.label));
  });
  return svgDocument(width, height, parts.join('\n'));
}
