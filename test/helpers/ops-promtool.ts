import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test } from 'vitest';

const INSTALL = 'sudo apt-get install -y --no-install-recommends prometheus';

interface Run {
  status: number | null;
  /** stdout and stderr together: promtool reports on either. */
  output: string;
}

/** Runs promtool with `args` (and `input` on its stdin) in `cwd`. */
export type Promtool = (args: string[], options?: { cwd?: string; input?: string }) => Run;

function findPromtool(): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'promtool'))
    .find((path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

let warned = false;

/**
 * A test given `promtool` (Debian's prometheus package). Without it the test is skipped, and fails under
 * CI=true, with the command that installs it, as the browser tests do for Chromium.
 */
export const promtoolTest = test.extend<{ promtool: Promtool }>({
  promtool: async ({ skip }, use) => {
    const path = findPromtool();
    if (!path) {
      const message = `promtool is not on the PATH: install it with \`${INSTALL}\``;
      if (process.env.CI === 'true') throw new Error(message);
      if (!warned) console.warn(`Skipping the promtool tests: ${message}`);
      warned = true;
      return skip(message);
    }
    await use((args, { cwd, input } = {}) => {
      const run = spawnSync(path, args, { cwd, input, encoding: 'utf8', timeout: 20_000 });
      return { status: run.status, output: `${run.stdout}${run.stderr}` };
    });
  },
});
