import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { renderGraphiQL } from '@graphql-yoga/render-graphiql';

/** What GraphiQL's page is rendered with: `renderGraphiQL`'s options. */
type GraphiQLRenderOptions = NonNullable<Parameters<typeof renderGraphiQL>[0]>;

/** Run as a CommonJS script in the worker: loads the package, renders the page, hands back its bytes. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { renderGraphiQL } = require(workerData.module);
const bytes = new TextEncoder().encode(renderGraphiQL(workerData.options));
parentPort.postMessage(bytes, [bytes.buffer]);
`;

/**
 * GraphiQL's page (about 9 MB of HTML, its bundle inline), rendered in a worker thread. Loading the package
 * and building the page grew the server's heap, and so its RSS, by about 80 MB for good, for one page; a
 * worker's heap goes with it when it ends, and only the page's bytes come back (moved, not copied). The
 * serverless bundle (CommonJS: no `import.meta.url` to find the package from) renders it in-process: its
 * instances are short-lived, and the platform's file tracing follows the import.
 */
export async function renderGraphiQLPage(options: GraphiQLRenderOptions): Promise<Uint8Array<ArrayBuffer>> {
  if (!import.meta.url) {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    return new TextEncoder().encode(renderGraphiQL(options)) as Uint8Array<ArrayBuffer>;
  }
  const module = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, options } });
    let page: Uint8Array<ArrayBuffer> | undefined;
    worker.once('message', (bytes: Uint8Array<ArrayBuffer>) => {
      page = bytes;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (page ? resolve(page) : reject(new Error(`the GraphiQL worker ended (code ${code}) without a page`))));
  });
}
