import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The node flags `npm start` runs the bundle with (the heap cap above all), read from package.json, so the
 * benchmarks and the abuse suites run the server exactly as it is started in production.
 */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as {
    scripts: { start: string };
  };
  const command = pkg.scripts.start.split('&&').at(-1)!.trim().split(/\s+/);
  return command.slice(command.indexOf('node') + 1).filter((arg) => arg.startsWith('--'));
}
