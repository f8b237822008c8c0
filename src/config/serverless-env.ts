import type { z } from 'zod';
import { problem } from './fields.ts';

// What a serverless function cannot do that the long-running server does: start the local Python engine,
// and read the trusted-documents manifest from the project's files (a bundler moves the code away from them).

interface ServerlessEnv {
  ENGINE_MODE?: string;
  TRUSTED_DOCUMENTS_MANIFEST?: string;
}

/** Reads only whether values are set, so it holds even when one of them failed to parse. */
export function checkServerless(env: ServerlessEnv, ctx: z.RefinementCtx) {
  if (env.ENGINE_MODE !== 'modal') {
    problem(
      ctx,
      'ENGINE_MODE',
      'must be modal in a serverless function, which cannot start the local Python engine (set MODAL_ENDPOINT_URL, MODAL_PROXY_KEY and MODAL_PROXY_SECRET too)',
    );
  }
  if (env.TRUSTED_DOCUMENTS_MANIFEST) {
    problem(
      ctx,
      'TRUSTED_DOCUMENTS_MANIFEST',
      'not read by a serverless function: it runs the manifest built into it (run `npm run codegen`, then build again)',
    );
  }
}
