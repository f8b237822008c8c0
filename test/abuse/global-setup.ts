import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The abuse suites run the bundle `npm start` runs: build it once, as `npm start` does. */
export default function setup() {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'inherit' });
}
