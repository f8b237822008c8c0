import SchemaBuilder from '@pothos/core';
import ZodPlugin from '@pothos/plugin-zod';
import type { Context } from '../context.ts';
import { userError } from '../errors.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ZodPlugin],
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

builder.queryType({});
