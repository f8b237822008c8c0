// The dashboard page (demo/) bundled into dist/demo: index.html and its script under a content-hashed name, so
// the server (src/http/demo-page.ts) can let browsers keep the script for good and ask for the HTML each time.
// Run by `npm run build`; the browser test runs it too, as a fresh clone has no build.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { projectPath } from '../src/lib/project-root.ts';

export async function buildDemo(outdir = projectPath('dist', 'demo')): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [projectPath('demo', 'main.ts')],
    outdir,
    entryNames: 'app-[hash]',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    // urql and graphql-js read process.env.NODE_ENV to leave their development warnings out.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const script = Object.keys(result.metafile.outputs).find((path) => path.endsWith('.js'));
  if (!script) throw new Error('esbuild wrote no script for the dashboard page');
  const html = await readFile(projectPath('demo', 'index.html'), 'utf8');
  await writeFile(join(outdir, 'index.html'), html.replace('/demo/app.js', `/demo/${basename(script)}`));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildDemo();
