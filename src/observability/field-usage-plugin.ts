import type { ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.ts';
import { isDeprecatedCoordinate, operationCoordinates } from './operation-coordinates.ts';

/**
 * Counts each schema field an operation selects, once per operation however often it is selected (aliases,
 * fragments), in `veo_field_usage_total{coordinate, deprecated}`: who still uses a deprecated field shows
 * there before it is removed. An operation counts when it reaches execution (parsed, valid), as the request
 * log line's `coordinates` are written: also when the rate limits then refuse it, as its client still uses
 * the fields, and when the response cache answers it. The coordinates come from the schema
 * (operation-coordinates.ts), so the label has no more values than the schema has fields.
 */
export function useFieldUsage(metrics: Pick<Metrics, 'fieldUsage'>): Plugin {
  const count = ({ schema, document, operationName }: ExecutionArgs) => {
    for (const coordinate of operationCoordinates(schema, document, operationName)) {
      metrics.fieldUsage.cell({ coordinate, deprecated: String(isDeprecatedCoordinate(schema, coordinate)) }).n++;
    }
  };
  return {
    onExecute({ args }) {
      count(args);
    },
    onSubscribe({ args }) {
      count(args);
    },
  };
}
