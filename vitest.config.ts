import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // Node resolves `graphql` (no exports map) to its CommonJS build for Pothos and Yoga; make Vite load the
  // same file for our code, or graphql-js sees two copies of its classes.
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/abuse/**', 'test/clients/**', 'test/deploy/**'],
          globalSetup: ['test/global-setup.ts'],
          // The heaviest tests (the cost property over 600 documents, the cache fills, the fuzzer) take 20-30 s
          // with the suite's four workers on two slower cores; a timeout is a hung test, not a slow machine.
          testTimeout: 90_000,
        },
      },
      {
        // Attacks on the production bundle, each file against its own server process (its RSS is its own), two
        // files at a time: they wait on their servers more than they use a core, and their time bounds (an
        // answer within 2 s, `{ __typename }` within 1 s after) are far above what they measure (run by
        // `npm run test:abuse`).
        extends: true,
        test: {
          name: 'abuse',
          include: ['test/abuse/**/*.test.ts'],
          globalSetup: ['test/abuse/global-setup.ts'],
          maxWorkers: 2,
          testTimeout: 60_000,
        },
      },
      {
        // Real clients (GraphiQL in headless Chromium) against the real server: one browser at a time, as
        // each takes a core while it loads (run by `npm run test:clients`).
        extends: true,
        test: {
          name: 'clients',
          include: ['test/clients/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
        },
      },
      {
        // The Vercel app (deploy/vercel) built with `next build` and served by `next start`, and the
        // serverless entry it imports: one file at a time, as the build takes both cores (run by
        // `npm run test:deploy`).
        extends: true,
        test: {
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
