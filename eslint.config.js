// Flat config: typescript-eslint's recommended rules plus the architecture boundaries from README.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const productionFolders = ['agent', 'gslb', 'health', 'coord', 'data', 'failover'];

// What src/cli/main.ts and the command files may import at their top (prefixes; `$` ends one):
// everything else loads inside the action that needs it (src/cli/commands/registry.ts). The last
// two run while the command line is parsed (an option's parser, a list of choices).
const CLI_STATIC_IMPORTS = [
  'node:', 'commander$', './', '../output.ts$', '../common/errors.ts$', '../../common/errors.ts$', '../../demo/listen.ts$', '../../lab/addons.ts$',
];
const escapeRegex = (prefix) => prefix.replace(/[.*+?^{}()|[\]\\]/g, '\\$&');

export default tseslint.config(
  // dist.*: a build being staged beside dist/ (scripts/build.js).
  { ignores: ['node_modules/**', 'dist/**', 'dist.*/**', '.lab/**'] },
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
  {
    // So that `meridian --version` and `--help` load no dependency: see src/cli/commands/registry.ts.
    files: ['src/cli/main.ts', 'src/cli/commands/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          regex: `^(?!${CLI_STATIC_IMPORTS.map(escapeRegex).join('|')})`,
          allowTypeImports: true,
          message: "load it inside the command's action: `await import(...)` (see src/cli/commands/registry.ts)",
        }],
      }],
    },
  },
);
