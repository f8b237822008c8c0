import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { projectPath } from '../lib/project-root.ts';
import { entries, flag, int, problem } from './fields.ts';

// The limits, CORS, CSRF, introspection and persisted-documents settings: their variables, the checks between
// them, and the part of the configuration they make (config.ts puts the pieces together).

/** Trusted documents by id: what `npm run codegen` writes from the operations in operations/. */
export type TrustedManifest = Record<string, string>;

/** Where `npm run codegen` writes the manifest (looked up only when it is to be read from a file). */
const defaultManifestPath = () => projectPath('operations', 'generated', 'persisted-documents.json');

const readManifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as TrustedManifest;

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const origins = z
  .string()
  .optional()
  .transform((text) =>
    entries(text)
      .map((origin) => origin.replace(/\/$/, ''))
      .filter(Boolean),
  )
  .superRefine((list, ctx) => {
    const bad = list.filter((origin) => !ORIGIN.test(origin));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${bad.map((o) => JSON.stringify(o.slice(0, 60))).join(', ')} is not an origin like https://app.example.com`,
      });
    }
  });

export const securityEnv = z.object({
  GRAPHIQL: flag,
  DEMO_PAGE: z.enum(['on', 'off']).optional(),
  INTROSPECTION: flag,
  CORS_ORIGINS: origins,
  MAX_BODY_BYTES: int(100_000, 1_000, 10_000_000),
  MAX_DEPTH: int(8, 1, 100),
  MAX_ALIASES: int(15, 0, 1_000),
  MAX_DIRECTIVES: int(10, 0, 1_000),
  MAX_TOKENS: int(1_000, 10, 100_000),
  TRUSTED_DOCUMENTS: z.enum(['on', 'off']).default('off'),
  TRUSTED_DOCUMENTS_MANIFEST: z.string().optional(),
  APQ_MAX_MB: int(4, 1, 1024),
});

type SecurityEnv = z.output<typeof securityEnv> & { NODE_ENV: string };

/**
 * Reads only whether values are set, so it holds even when one of them failed to parse. `builtIn`: the
 * manifest a bundle carries (the serverless entry), read from no file.
 */
export function checkSecurity(env: SecurityEnv, ctx: z.RefinementCtx, builtIn?: TrustedManifest) {
  if (env.NODE_ENV === 'production' && env.CORS_ORIGINS.length === 0) {
    problem(ctx, 'CORS_ORIGINS', 'required in production (the frontend origins allowed to call the API, comma-separated)');
  }
  // The dashboard page's field picker builds documents of its own, which trusted documents would refuse.
  if (env.TRUSTED_DOCUMENTS === 'on' && env.DEMO_PAGE === 'on') {
    problem(ctx, 'DEMO_PAGE / TRUSTED_DOCUMENTS', 'the dashboard page builds its own documents: turn one of them off');
  }
  if (env.TRUSTED_DOCUMENTS === 'on' && !builtIn && !existsSync(env.TRUSTED_DOCUMENTS_MANIFEST ?? defaultManifestPath())) {
    problem(ctx, 'TRUSTED_DOCUMENTS_MANIFEST', 'no manifest at that path; run `npm run codegen` or point it at one');
  }
}

export function securityConfig(env: SecurityEnv, builtIn?: TrustedManifest) {
  const production = env.NODE_ENV === 'production';
  return {
    /** Exact origins allowed by CORS; empty with `localhostOrigins` in development. */
    corsOrigins: env.CORS_ORIGINS,
    /** Development without CORS_ORIGINS: any http(s)://localhost|127.0.0.1|[::1] origin, whatever the port. */
    localhostOrigins: !production && env.CORS_ORIGINS.length === 0,
    /**
     * This server's own origin (its Host) is allowed only where it serves GraphiQL or the dashboard page, the
     * pages of its own that call it: elsewhere a page whose name was rebound to this server's address (DNS
     * rebinding) would pass as it.
     */
    ownOrigin: graphiqlEnabled(env) || demoPageEnabled(env),
    maxBodyBytes: env.MAX_BODY_BYTES,
    introspection: env.INTROSPECTION ? env.INTROSPECTION === 'true' : !production,
    limits: { depth: env.MAX_DEPTH, aliases: env.MAX_ALIASES, directives: env.MAX_DIRECTIVES, tokens: env.MAX_TOKENS },
    /** The manifest when only its operations may run (TRUSTED_DOCUMENTS=on). */
    trustedDocuments:
      env.TRUSTED_DOCUMENTS === 'on'
        ? { manifest: builtIn ?? readManifest(env.TRUSTED_DOCUMENTS_MANIFEST ?? defaultManifestPath()) }
        : undefined,
    /** Heap bytes for the documents automatic persisted queries register (TRUSTED_DOCUMENTS=off). */
    apqMaxBytes: env.APQ_MAX_MB * 1024 * 1024,
  };
}

export type SecurityConfig = ReturnType<typeof securityConfig>;

/** GRAPHIQL when set, else on everywhere but production. */
export function graphiqlEnabled(env: SecurityEnv): boolean {
  return env.GRAPHIQL ? env.GRAPHIQL === 'true' : env.NODE_ENV !== 'production';
}

/**
 * DEMO_PAGE when set, else on everywhere but production; off with trusted documents unless asked for (and
 * then refused by checkSecurity).
 */
export function demoPageEnabled(env: SecurityEnv): boolean {
  if (env.DEMO_PAGE) return env.DEMO_PAGE === 'on';
  return env.NODE_ENV !== 'production' && env.TRUSTED_DOCUMENTS !== 'on';
}
