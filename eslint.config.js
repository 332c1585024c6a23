// Flat config: typescript-eslint's recommended rules plus the dependency rules of
// docs/architecture.md ("Dependency rules"): folders in layers, and no import cycle.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/, lowest first. A folder may import only the folders before it, so no two
 * folders can import each other, even through others. A new folder takes its place here.
 */
const LAYERS = ['common', 'spec', 'coord', 'data', 'demo', 'health', 'capacity', 'gslb', 'observe', 'failover', 'agent', 'export', 'lab', 'drill', 'cli'];
const PRODUCTION = ['agent', 'gslb', 'health', 'capacity', 'coord', 'data', 'failover'];
const unplaced = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && !LAYERS.includes(e.name))
  .map((e) => e.name);
// A folder outside LAYERS would escape the folder rules unnoticed.
if (unplaced.length > 0) throw new Error(`eslint.config.js: add src/${unplaced.join(', src/')} to LAYERS`);

/** Why `folder` may not import `banned` (a folder after it): the named rule when there is one. */
function why(folder, banned) {
  if (banned === 'cli') return 'nothing imports cli: it is the outermost shell.';
  if (PRODUCTION.includes(folder) && (banned === 'lab' || banned === 'drill')) {
    return 'production code runs in real clusters: it never loads the lab test bed or the drills.';
  }
  if (folder === 'observe' && banned === 'drill') return 'a drill returns data; the CLI renders it with observe and writes the report.';
  return `src/${folder} may import only the folders before it in LAYERS (eslint.config.js), so that no two folders import each other.`;
}

const zones = LAYERS.flatMap((folder, i) =>
  LAYERS.slice(i + 1).map((banned) => ({ target: `./src/${folder}`, from: `./src/${banned}`, message: why(folder, banned) })),
);

// What src/cli/main.ts and the command files may import at their top (prefixes; `$` ends one):
// everything else loads inside the action that needs it (src/cli/commands/registry.ts). The last
// two run while the command line is parsed (an option's parser, a list of choices).
const CLI_STATIC_IMPORTS = [
  'node:', 'commander$', './', '../output.ts$', '../common/errors.ts$', '../../common/errors.ts$', '../../demo/listen.ts$', '../../lab/addons.ts$',
];
const escapeRegex = (prefix) => prefix.replace(/[.*+?^{}()|[\]\\]/g, '\\$&');

export default tseslint.config(
  // dist.*: a build being staged beside dist/ (scripts/build.js).
  { ignores: ['node_modules/**', 'dist/**', 'dist.*/**', '.lab/**', '.tmp-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these two, import-x skips .ts dependencies: no-cycle would find no cycle at all.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // tsconfig's resolution (also './x.js' naming x.ts), so an import is never silently unresolved.
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      // Resolved paths, not import strings: src/observe/export is not src/export. Type imports count.
      'import-x/no-restricted-paths': ['error', { zones }],
      // No cycle between files. Type-only imports are erased at run time and not counted.
      // ignoreExternal: not following imports into node_modules took the whole lint from ~50 s to
      // ~14 s here (~11 s without the rule); no maxDepth, so a long cycle is still found.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
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
