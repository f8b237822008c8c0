import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the example operations a frontend team copies from `operations/`.
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['operations/*.graphql'],
  // ESM output with .js extensions, as NodeNext resolution wants.
  emitLegacyCommonJSImports: false,
  generates: {
    './operations/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true },
    },
  },
};

export default config;
