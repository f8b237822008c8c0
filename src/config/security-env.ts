import { existsSync } from 'node:fs';
import { z } from 'zod';
import { projectPath } from '../project-root.ts';

// The limits, CORS, CSRF, introspection and trusted-documents settings. Parsed with the rest of the
// environment (env.ts spreads `securityEnv` into its schema), so every problem is listed in one message.

const unset = (v: unknown) => (v === '' ? undefined : v);
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(unset, z.coerce.number().int().min(min).max(max).default(fallback));
const flag = z.preprocess(unset, z.enum(['true', 'false']).optional());

/** Where `npm run codegen` writes the manifest of the operations in operations/. */
export const DEFAULT_TRUSTED_MANIFEST = projectPath('operations', 'generated', 'persisted-documents.json');

export const securityEnv = {
  GRAPHIQL: flag,
  INTROSPECTION: flag,
  CORS_ORIGINS: z.preprocess(unset, z.string().optional()),
  MAX_BODY_BYTES: int(100_000, 1_000, 10_000_000),
  MAX_DEPTH: int(8, 1, 100),
  MAX_ALIASES: int(15, 0, 1_000),
  MAX_DIRECTIVES: int(10, 0, 1_000),
  MAX_TOKENS: int(1_000, 10, 100_000),
  TRUSTED_DOCUMENTS: z.preprocess(unset, z.enum(['on', 'off']).default('off')),
  TRUSTED_DOCUMENTS_MANIFEST: z.preprocess(unset, z.string().optional()),
};

const securitySchema = z.object(securityEnv);
type SecurityEnv = z.infer<typeof securitySchema> & { NODE_ENV: string };
type Source = Record<string, string | undefined>;

export interface SecurityConfig {
  /** Exact origins allowed by CORS; empty with `localhostOrigins` in development. */
  corsOrigins: string[];
  /** Development without CORS_ORIGINS: any http(s)://localhost|127.0.0.1|[::1] origin, whatever the port. */
  localhostOrigins: boolean;
  maxBodyBytes: number;
  introspection: boolean;
  limits: { depth: number; aliases: number; directives: number; tokens: number };
  /** The manifest path when only its operations may run (TRUSTED_DOCUMENTS=on). */
  trustedDocuments?: { manifest: string };
}

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function parseOrigins(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
}

/** Checks on the raw strings, so they are listed even when another variable fails to parse. */
export function securityProblems(env: Source): string[] {
  const problems: string[] = [];
  const origins = parseOrigins(env.CORS_ORIGINS);
  const bad = origins.filter((o) => !ORIGIN.test(o));
  if (bad.length > 0) {
    problems.push(`CORS_ORIGINS: ${bad.map((o) => JSON.stringify(o.slice(0, 60))).join(', ')} is not an origin like https://app.example.com`);
  }
  if (env.NODE_ENV === 'production' && origins.length === 0) {
    problems.push('CORS_ORIGINS: required in production (the frontend origins allowed to call the API, comma-separated)');
  }
  if (env.TRUSTED_DOCUMENTS === 'on' && !existsSync(env.TRUSTED_DOCUMENTS_MANIFEST || DEFAULT_TRUSTED_MANIFEST)) {
    problems.push('TRUSTED_DOCUMENTS_MANIFEST: no manifest at that path; run `npm run codegen` or point it at one');
  }
  return problems;
}

export function securityConfig(env: SecurityEnv): SecurityConfig {
  const production = env.NODE_ENV === 'production';
  const corsOrigins = parseOrigins(env.CORS_ORIGINS);
  return {
    corsOrigins,
    localhostOrigins: !production && corsOrigins.length === 0,
    maxBodyBytes: env.MAX_BODY_BYTES,
    introspection: env.INTROSPECTION ? env.INTROSPECTION === 'true' : !production,
    limits: { depth: env.MAX_DEPTH, aliases: env.MAX_ALIASES, directives: env.MAX_DIRECTIVES, tokens: env.MAX_TOKENS },
    trustedDocuments:
      env.TRUSTED_DOCUMENTS === 'on' ? { manifest: env.TRUSTED_DOCUMENTS_MANIFEST ?? DEFAULT_TRUSTED_MANIFEST } : undefined,
  };
}

/** GRAPHIQL when set, else on everywhere but production. */
export function graphiqlEnabled(env: SecurityEnv): boolean {
  return env.GRAPHIQL ? env.GRAPHIQL === 'true' : env.NODE_ENV !== 'production';
}
