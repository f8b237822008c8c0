import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * A path inside the project (where package.json is), whether this code runs from src/ under tsx or from
 * the bundle in dist/. The CommonJS bundle of the serverless entry (dist/serverless.cjs) has no module URL,
 * and Next.js moves it away from the project anyway: there this is the working directory, and nothing reads a
 * file through it (the trusted-documents manifest is bundled in).
 */
export function projectPath(...parts: string[]): string {
  if (!root) {
    const url: string | undefined = import.meta.url;
    let dir = url?.startsWith('file:') ? dirname(fileURLToPath(url)) : process.cwd();
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return join(root, ...parts);
}
