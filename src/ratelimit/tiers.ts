export interface TierLimits {
  perMinute: number;
  perDay: number;
  explanationsPerHour: number;
}

/** `name:perMinute:perDay:explanationsPerHour` entries separated by commas (RATE_LIMIT_TIERS). */
export function parseTiers(text: string): Record<string, TierLimits> {
  const tiers: Record<string, TierLimits> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [name, ...numbers] = entry.split(':');
    const [perMinute, perDay, explanationsPerHour] = numbers.map(Number);
    if (!name || numbers.length !== 3 || ![perMinute, perDay, explanationsPerHour].every((n) => Number.isInteger(n) && n! > 0)) {
      throw new Error(`"${entry}" is not name:perMinute:perDay:explanationsPerHour with positive whole numbers`);
    }
    tiers[name] = { perMinute: perMinute!, perDay: perDay!, explanationsPerHour: explanationsPerHour! };
  }
  return tiers;
}
