// `npm run build:serverless`: dist/serverless.cjs, the entry the package exports as `veo-bff/serverless` for a
// Next.js route (deploy/vercel), which Next then bundles with its own defaults. The declarations beside it
// come from `tsc -p tsconfig.serverless.json`, run by the same npm script.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/serverless.ts'],
  outfile: 'dist/serverless.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // CommonJS, so that the CommonJS packages bundled in keep Node's own `require` for node: modules; an ESM
  // bundle would call esbuild's stand-in, which throws under Next's bundler.
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // The packages are bundled in rather than left to Next's bundler: it resolves `graphql` to its ESM build
  // for some importers and to its CommonJS build for others, and two copies of graphql-js fail at run time
  // (graphql-jit: "unsupported type"). Here every importer gets one copy. Left out, as they import no
  // graphql-js: Sentry's SDK, the Axiom client and the GraphiQL page, which load only when configured or
  // asked for, and are large; and Yoga's fetch ponyfill, whose optional `require('node-libcurl')` Next
  // would warn about outside node_modules.
  external: [
    '@sentry/node',
    '@axiomhq/js',
    '@graphql-yoga/render-graphiql',
    '@whatwg-node/fetch',
    // The OpenTelemetry SDK, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set (src/observability/traces.ts).
    '@opentelemetry/sdk-trace-node',
    '@opentelemetry/exporter-trace-otlp-proto',
    '@opentelemetry/resources',
  ],
  // src/lib/project-root.ts reads import.meta.url to find the project's files, which a serverless function
  // never reads (the manifest is bundled in); empty here, it falls back to the working directory.
  logOverride: { 'empty-import-meta': 'silent' },
});
