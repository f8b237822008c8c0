import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { schema } from './index.ts';

/**
 * The SDL committed as schema.graphql (sorted, so a diff shows only real changes). graphql-js's printSchema
 * drops applied directives; this printer keeps them, so the @cost and @listSize weights are in the file.
 */
export function printedSchema(): string {
  return `${printSchemaWithDirectives(schema)}\n`;
}
