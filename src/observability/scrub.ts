import type { Config } from '../config/config.ts';

/** Keys whose values are credentials wherever they appear (headers, cookies, variables, extras). */
const SENSITIVE_KEY = /authorization|cookie|api[-_]?key|token|secret|password|passwd|modal-key|session/i;
const FILTERED = '[Filtered]';

/** Every credential the configuration holds, so a copy of one in any text can be blanked out. */
export function secretsOf(config: Config): string[] {
  const secrets = [
    config.adminToken,
    config.engine.modal?.proxyKey,
    config.engine.modal?.proxySecret,
    config.cache.upstash?.token,
    config.observability.axiom?.token,
    config.metrics?.token,
    config.explanations?.idSecrets.current,
    config.explanations?.idSecrets.previous,
    ...(config.rateLimit?.apiKeys ?? []).map((k) => k.key),
  ];
  // Very short values would blank out ordinary words; the config already asks for long tokens.
  return secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
}

/**
 * A copy of `value` with the values of sensitive keys replaced and every known secret blanked out of its
 * strings. For what leaves the process (Sentry events and breadcrumbs).
 */
export function scrub<T>(value: T, secrets: readonly string[]): T {
  const redact = (text: string) => secrets.reduce((t, secret) => (t.includes(secret) ? t.split(secret).join(FILTERED) : t), text);
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redact(v);
    if (v === null || typeof v !== 'object' || depth > 20) return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) copy[key] = SENSITIVE_KEY.test(key) ? FILTERED : walk(item, depth + 1);
    return copy;
  };
  return walk(value, 0) as T;
}
