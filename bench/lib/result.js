// The shape of one measure's result, and the ratios read from it. A result is plain data (it is also
// written as JSON):
//   { suite, id, title, unit, caseLabel, cases: [{ label, ... }], series: [{ id, label, values: [] }],
//     ratios: [{ label, of, over }], notes: [] }
// values[i] belongs to cases[i]; null where a series does not apply. A ratio divides series `of` by series
// `over`, or by the best of several when `over` is a list; every value in a table comes from the same run.

/** The series with this id, or throws (a typo in a measure's ratio list is a bug in the bench). */
export function seriesById(result, id) {
  const series = result.series.find((s) => s.id === id);
  if (series === undefined) throw new Error(`bench: ${result.id} has no series ${JSON.stringify(id)}`);
  return series;
}

/** ratio.of / ratio.over at case index i, or null when either is missing. */
export function ratioAt(result, ratio, i) {
  const numerator = seriesById(result, ratio.of).values[i];
  const overIds = Array.isArray(ratio.over) ? ratio.over : [ratio.over];
  const denominators = overIds.map((id) => seriesById(result, id).values[i]).filter((v) => typeof v === 'number');
  if (typeof numerator !== 'number' || denominators.length === 0) return null;
  return numerator / Math.max(...denominators);
}

/** The values of a ratio across all cases. */
export function ratioValues(result, ratio) {
  return result.cases.map((_, i) => ratioAt(result, ratio, i));
}
