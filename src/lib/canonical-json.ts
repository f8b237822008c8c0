/**
 * JSON with sorted keys and without undefined members, so the same question asked with its fields in
 * another order (or with an absent optional field spelled out as undefined) gives the same key.
 * Numbers print the same whichever way they were written (1200 and 1200.0 are one number in JSON).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined && member !== null) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}
