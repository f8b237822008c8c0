import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.ts';

// Date and time with seconds and an explicit zone: `Z` or `+hh:mm`. Date.parse alone is not strict enough
// (it reads 2025-02-30 as 2 March), so the calendar fields are checked after it.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** A DateTime sent by a client: ISO 8601 with a zone, a real calendar date, nothing else. */
export function parseDateTime(text: string): Date {
  const m = ISO_8601.exec(text);
  if (m) {
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
    const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
    const calendar = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
    const real =
      calendar.getUTCFullYear() === year &&
      calendar.getUTCMonth() === month - 1 &&
      calendar.getUTCDate() === day &&
      hour < 24 &&
      minute < 60 &&
      second < 60 &&
      Number(m[9] ?? 0) < 24 &&
      Number(m[10] ?? 0) < 60;
    if (real) return new Date(calendar.getTime() - offset * 60_000);
  }
  throw new GraphQLError(
    `DateTime must be an ISO 8601 date and time with a zone, such as 2025-11-29T14:03:07.512Z; got ${JSON.stringify(text).slice(0, 80)}`,
  );
}

/** What the schema's resolvers give: a Date, Unix seconds (the engine's times), or an ISO 8601 string. */
export function serializeDateTime(value: unknown): string {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'number'
        ? new Date(value * 1000)
        : typeof value === 'string'
          ? readOrUndefined(value)
          : undefined;
  // A value of ours that is no time is a bug, not the client's mistake: a plain error, masked and reported.
  if (!date || Number.isNaN(date.getTime())) throw new TypeError(`DateTime cannot represent ${String(value).slice(0, 80)}`);
  return date.toISOString();
}

function readOrUndefined(text: string): Date | undefined {
  try {
    return parseDateTime(text);
  } catch {
    return undefined;
  }
}

builder.scalarType('DateTime', {
  description:
    'A point in time, written as an ISO 8601 string in UTC with milliseconds, e.g. `2025-11-29T14:03:07.512Z`. As an input it must carry a zone (`Z` or `+01:00`).',
  serialize: serializeDateTime,
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('DateTime must be a string in ISO 8601, such as 2025-11-29T14:03:07.512Z');
    return parseDateTime(value);
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string in ISO 8601, such as 2025-11-29T14:03:07.512Z');
    return parseDateTime(node.value);
  },
});
