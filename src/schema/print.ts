import { printSchema } from 'graphql';
import { schema } from './index.ts';

/** The SDL committed as schema.graphql (sorted, so a diff shows only real changes). */
export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}
