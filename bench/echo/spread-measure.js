// A measure whose figures come from rounds run elsewhere in this run (child processes): each cell is the
// median of its rounds, and the result carries every cell's median, min and max (result.spread, written
// to the JSON) for the detail tables. Shared by the echo, memory and broadcast suites.

import { spreadOf } from './spread.js';

/**
 * load(progress) runs (or awaits) the measurement; roundsOf(case, series) then gives that cell's values,
 * one per round, or [] where the series does not apply. Values are divided by `divide` for the table.
 * attach(result), if given, adds more to the result (raw rounds for the JSON).
 */
export function spreadMeasure({ load, roundsOf, attach, divide = 1, better = 'higher', notes = [], ...fields }) {
  return {
    chart: 'bars',
    scale: 1,
    ...fields,
    better,
    notes,
    async before(progress) {
      await load(progress);
    },
    cell(c, s) {
      const spread = spreadOf(roundsOf(c, s));
      return spread === null ? null : { value: spread.median / divide };
    },
    after(result) {
      result.spread = fields.series.map((s) =>
        fields.cases.map((c) => {
          const spread = spreadOf(roundsOf(c, s));
          if (spread === null) return null;
          return { median: spread.median / divide, min: spread.min / divide, max: spread.max / divide, n: spread.n };
        }),
      );
      attach?.(result);
    },
  };
}
