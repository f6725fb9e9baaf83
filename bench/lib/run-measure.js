// Runs one measure: every (case, series) cell through the timing loop, case by case so that the series
// compared in a row are measured close together in time. See result.js for what comes back.
//
// A measure is { id, title, unit, scale, caseLabel, chart, cases, series, ratios, notes?, better?,
// before?(progress), cell(case, series), after?(result) }. better is 'higher' (the default) or 'lower' (times,
// CPU, memory). cell() returns a timing cell (measure.js), null where the series does not apply to that
// case, or { value } for a figure measured elsewhere in this run (a child process).
// Rates are divided by `scale` (1e9 for GB/s from bytes, 1e6 for millions of frames per second).
//
// `progress` is { begin(title, cells), step(label), end() } (progress.js in Node). step() may return a
// promise, which is awaited before the cell: the browser page yields to its event loop there, so that its
// progress reaches the driver and the page never looks hung (bench/browser/page/main.js).

import { timeCell } from './measure.js';

export async function runMeasure(suite, measure, progress) {
  await measure.before?.(progress);
  const values = measure.series.map(() => measure.cases.map(() => null));
  progress.begin(measure.title, measure.cases.length * measure.series.length);
  for (const [caseIndex, c] of measure.cases.entries()) {
    for (const [seriesIndex, s] of measure.series.entries()) {
      await progress.step(`${c.label} · ${s.label}`);
      const cell = measure.cell(c, s);
      if (cell === null) continue;
      values[seriesIndex][caseIndex] = 'value' in cell ? cell.value : timeCell(cell).perSecond / measure.scale;
    }
  }
  progress.end();
  const result = {
    suite,
    id: measure.id,
    title: measure.title,
    unit: measure.unit,
    better: measure.better ?? 'higher',
    caseLabel: measure.caseLabel,
    chart: measure.chart,
    chartScale: measure.chartScale,
    cases: measure.cases.map(({ label, ...rest }) => ({ label, ...plain(rest) })),
    series: measure.series.map((s, i) => ({ id: s.id, label: s.label, values: values[i] })),
    ratios: measure.ratios,
    notes: [...(measure.notes ?? [])],
  };
  measure.after?.(result);
  return result;
}

// Case descriptors may hold buffers; the result keeps only numbers and strings.
function plain(fields) {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'number' || typeof v === 'string'));
}
