// Runs one measure in the page: every (case, series) cell through the timing loop, case by case so that
// the series compared in a row are measured close together, and returns the same plain result object as
// bench/lib/run-measure.js (so the Node driver prints it with bench/lib's table and chart code). Yields to
// the event loop between cells, so that progress reaches the driver and the page never looks hung.

import { timeCell } from './measure.js';

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** `progress(label, done, total)` is called before each cell. */
export async function runMeasure(suite, measure, progress) {
  await measure.before?.();
  const values = measure.series.map(() => measure.cases.map(() => null));
  const total = measure.cases.length * measure.series.length;
  let done = 0;
  for (const [caseIndex, c] of measure.cases.entries()) {
    for (const [seriesIndex, s] of measure.series.entries()) {
      await progress(`${c.label} · ${s.label}`, done++, total);
      await nextTask();
      const cell = measure.cell(c, s);
      if (cell === null) continue;
      values[seriesIndex][caseIndex] = timeCell(cell).perSecond / measure.scale;
    }
  }
  return {
    suite,
    id: measure.id,
    title: measure.title,
    unit: measure.unit,
    better: measure.better ?? 'higher',
    caseLabel: measure.caseLabel,
    chart: measure.chart,
    cases: measure.cases.map(({ label, ...rest }) => ({ label, ...plain(rest) })),
    series: measure.series.map((s, i) => ({ id: s.id, label: s.label, values: values[i] })),
    ratios: measure.ratios,
    notes: [...(measure.notes ?? [])],
  };
}

// Case descriptors may hold buffers; the result keeps only numbers and strings.
function plain(fields) {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'number' || typeof v === 'string'));
}
