// Flat config: typescript-eslint's recommended rules plus the architecture boundaries from README.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const productionFolders = ['agent', 'gslb', 'health', 'coord', 'data', 'failover'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.lab/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Before the production block: a later block's no-restricted-imports replaces an earlier one's.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/cli/**'] }] },
  },
  {
    // Production code runs in real clusters: it must never depend on the lab test bed or the CLI.
    files: productionFolders.map((f) => `src/${f}/**/*.ts`),
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/lab/**', '**/cli/**', '**/drill/**'] }],
    },
  },
);
