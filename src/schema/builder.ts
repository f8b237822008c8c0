import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ZodPlugin from '@pothos/plugin-zod';
import type { Context } from '../context.ts';
import { userError } from '../errors.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  // A number is Unix seconds, as the engine sends its times; a string is ISO 8601 (see date-time.ts).
  Scalars: { DateTime: { Input: Date; Output: Date | number | string } };
  // The applied directives fields may carry (declared in directives.ts); cost.ts emits them from the weights.
  Directives: {
    cost: { locations: 'FIELD_DEFINITION'; args: { weight: string } };
    listSize: {
      locations: 'FIELD_DEFINITION';
      args: { assumedSize?: number; slicingArguments?: string[]; sizedFields?: string[]; requireOneSlicingArgument?: boolean };
    };
  };
}>({
  defaultFieldNullability: false,
  plugins: [DirectivesPlugin, ZodPlugin],
  // Directives in extensions keyed by name, the shape @graphql-tools/utils' printSchemaWithDirectives reads.
  directives: { useGraphQLToolsUnorderedDirectives: true },
  zod: {
    // One coded error naming the first offending argument (e.g. `input.budget`), with every issue listed.
    validationError: (zodError, _args, _context, info) => {
      const issues = zodError.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
      const first = issues[0];
      return userError(
        `Invalid argument ${first?.field || ''} of ${info.parentType.name}.${info.fieldName}: ${first?.message ?? 'invalid'}`,
        first?.field,
        { issues },
      );
    },
  },
});

builder.queryType({
  description: 'Everything a client can read. Each field that needs the engine or the cache is null on its own when they fail.',
});
