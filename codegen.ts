import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

// Typed documents for the example operations a frontend team copies from `operations/`, and the client cache
// configuration the schema implies.
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
      // `__typename` on every selection, in the typed documents and in the manifest alike: Apollo's and urql's
      // normalised caches need it, and a trusted document runs as the manifest has it, not as the client holds it.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      // DateTime arrives as an ISO 8601 string (the client parses it when it needs a Date).
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
    },
    './operations/generated/cache-config.ts': {
      plugins: ['./scripts/codegen/cache-config.ts'],
    },
  },
};

export default config;
