// What every run of the shared client scenario must show, on the client's report and on the server:
// the subprotocol, every echo intact, and the close code and reason on both sides.

import { expect } from 'vitest';
import { within } from '../support/waits.ts';
import { ECHO_SIZES, SCENARIO_CLOSE, SCENARIO_PROTOCOL, type ScenarioReport } from './client-scenario.ts';

export async function expectScenarioCompleted(
  report: ScenarioReport,
  serverClose: Promise<{ code: number; reason: string }>,
): Promise<void> {
  expect(report.protocol).toBe(SCENARIO_PROTOCOL);
  expect(report.echoes.filter((echo) => !echo.ok)).toEqual([]);
  expect(report.echoes).toHaveLength(ECHO_SIZES.length * 2);
  expect(report.closed).toEqual(SCENARIO_CLOSE);
  expect(await within(serverClose, "the server's close")).toEqual({
    code: SCENARIO_CLOSE.closeCode,
    reason: SCENARIO_CLOSE.reason,
  });
}
