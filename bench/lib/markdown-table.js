// One Markdown table per measure: a row per case (size or frame kind), a column per series in the
// measure's unit, then the ratio columns.

import { formatRatio, formatValue } from './format.js';
import { ratioAt } from './result.js';

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

export function markdownTable(result) {
  const header = [result.caseLabel, ...result.series.map((s) => s.label), ...result.ratios.map((r) => r.label)];
  const align = header.map((_, i) => (i === 0 ? ':---' : '---:'));
  const lines = [
    `### ${result.title} (${result.unit}, ${result.better ?? 'higher'} is better)`,
    '',
    row(header),
    row(align),
  ];
  result.cases.forEach((c, i) => {
    const values = result.series.map((s) => formatValue(s.values[i]));
    const ratios = result.ratios.map((r) => formatRatio(ratioAt(result, r, i)));
    lines.push(row([c.label, ...values, ...ratios]));
  });
  if (result.notes.length > 0) {
    lines.push('');
    for (const note of result.notes) lines.push(`- ${note}`);
  }
  return lines.join('\n');
}
