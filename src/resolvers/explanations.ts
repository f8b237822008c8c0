import type { Context } from '../context.ts';
import { engineCall } from '../errors.ts';

export function explanation(ctx: Context, id: string) {
  return engineCall(() => ctx.loaders.explanationStatus.load(id));
}
