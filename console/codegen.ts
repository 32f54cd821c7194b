import type { CodegenConfig } from '@graphql-codegen/cli';

// The exported schema plus the shared contract: the contract names §12–§15 fields colleagues build in
// parallel; after the merge schema.graphql is a superset of it. A schema change that breaks an
// operation here breaks `npm run build`.
const config: CodegenConfig = {
  schema: ['../schema.graphql', '../contract.graphql'],
  documents: ['src/**/*.tsx', 'src/**/*.ts', '!src/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string', Decimal: 'string', Date: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};
export default config;
