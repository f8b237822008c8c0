import { GraphQLError } from 'graphql';
import { EngineError } from './modal/errors.ts';

/** Expected failures a client can act on; Yoga never masks a GraphQLError. */
export function userError(message: string, field?: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field, ...extra } });
}

/**
 * An engine failure as a coded error on the field it affects, never an HTTP 500; any other error as it is.
 * `fieldPrefix` names the argument the engine's own field path sits in (the engine's `budget` is the
 * client's `input.budget`).
 */
export function fromEngineError<E>(error: E, fieldPrefix?: string): E | GraphQLError {
  if (!(error instanceof EngineError)) return error;
  const { endpoint, field } = error.details;
  if (error.code === 'BAD_USER_INPUT') {
    const path = field && fieldPrefix ? `${fieldPrefix}.${field}` : (field ?? fieldPrefix);
    return userError(error.message, path ?? undefined);
  }
  return new GraphQLError(
    error.code === 'UPSTREAM_BAD_RESPONSE'
      ? 'The engine answered in an unexpected shape.'
      : 'The engine is unavailable; try again shortly.',
    { extensions: { code: error.code, endpoint } },
  );
}
