import { z } from 'zod';

// Pieces of the environment's schema. Every value arrives as a string, and a blank one has already been
// dropped (blank means unset: see config.ts), so `.default` and `.optional` treat `X=` as unset.

/** A whole number within bounds. */
export const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** A share from 0 to 1. */
export const fraction = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

/** A token or secret: only its length is checked, and no message shows it. */
export const secret = z.string().min(16, 'must be at least 16 characters').optional();

/** `true` or `false`; unset leaves the choice to the environment's default. */
export const flag = z.enum(['true', 'false']).optional();

/** Entries of a comma-separated list, trimmed, blanks left out. */
export const entries = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/** A problem between variables, named `A` or `A / B`, listed with the others in the one ConfigError. */
export function problem(ctx: z.RefinementCtx, variables: string, message: string) {
  ctx.addIssue({ code: 'custom', path: [variables], message });
}
