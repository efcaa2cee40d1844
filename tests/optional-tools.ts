// Tools some tests use when the machine has them (CI installs them all: see .ci/run). A test that
// cannot run says so in the run's output and in its title, so a skip is never silent.
import { spawnSync } from 'node:child_process';

/**
 * Whether `command` runs here. When it does not, warns (the warning appears in the run's output)
 * and returns false; the caller's test title should carry `skipNote`.
 */
export function optionalTool(name: string, command: readonly string[], check: string): boolean {
  const ok = spawnSync(command[0], command.slice(1)).status === 0;
  if (!ok)
    console.warn(
      `skipped: ${name} not found, so ${check} does not run (install python3 and python3-numpy to run it)`,
    );
  return ok;
}

/** " (skipped: NAME not found)" when a tool is missing, for a test's title. */
export const skipNote = (ok: boolean, name: string): string => (ok ? '' : ` (skipped: ${name} not found)`);
