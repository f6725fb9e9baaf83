// Every codec check. Run by test/codec/codec.test.ts under vitest (Node and Chromium) and by the workerd
// harness in test/workerd/, once per backend.

import type { Check } from '../../support/check.ts';
import { headerChecks } from './header.checks.ts';
import { maskChecks } from './mask.checks.ts';
import { scannerChecks } from './scanner.checks.ts';
import { utf8Checks } from './utf8.checks.ts';

export const codecChecks: Check[] = [...maskChecks, ...utf8Checks, ...headerChecks, ...scannerChecks];
