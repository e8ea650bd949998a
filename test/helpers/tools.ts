/**
 * Tests that need a Debian tool (Chromium, LibreOffice, tesseract, poppler). When the tool is
 * there they run. When it is missing: outside CI they are skipped with a warning naming the tool;
 * with CI set, a test named after the tool fails with how to install it — never a silent skip.
 */
import { it } from 'vitest';

/** Whether the tests needing `what` can run; call at the top level of a test file. */
export function toolAvailable(what: string, present: boolean, install: string): boolean {
  if (present) return true;
  const message = `${what} is missing: ${install}`;
  if (process.env.CI) {
    it(`needs ${what}`, () => {
      throw new Error(`${message}. CI is set, so the tests that need it must run, not be skipped.`);
    });
  } else {
    console.warn(`[tests skipped] ${message}`);
  }
  return false;
}
