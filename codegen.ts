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
      // persistedDocuments also writes persisted-documents.json (sha256 hash -> document): the manifest the
      // server accepts in TRUSTED_DOCUMENTS=on mode.
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      // DateTime arrives as an ISO 8601 string (the client parses it when it needs a Date).
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
    },
  },
};

export default config;
