/**
 * `meridian export aws-cdk`: the files written, their determinism, and that the exported folder
 * itself synthesizes: its bin/app.ts runs under tsx (module resolution reaches the repo's
 * node_modules because the export is written inside the repo, under .tmp-test/) and the cloud
 * assembly holds the stacks. No AWS API is called: `cdk synth` needs none, and the CDK CLI is
 * not run (the app is, with the context the CLI would pass from cdk.json).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, mock, test } from 'node:test';
import { Command } from 'commander';
import { registerAwsCdkExport } from '../../../../src/cli/commands/export-aws-cdk.ts';
import { ACCOUNT_PLACEHOLDER, ENDPOINT_PLACEHOLDER } from '../../../../src/export/aws-cdk/app/lib/context-keys.ts';
import { GLOBAL_STACK, regionalStackName, SECRETS_STACK } from '../../../../src/export/aws-cdk/app/lib/meridian-app.ts';
import { awsCdkExport, contextToFill, pinnedVersions, planAwsCdk, readAppSources, writeAwsCdkExport } from '../../../../src/export/aws-cdk/index.ts';
import { AURORA_ENGINE_VERSION, AURORA_INSTANCE_CLASS, SECRETS_KEY_ALIAS } from '../../../../src/export/aws-cdk/plan.ts';
import { FULL_YAML, full, fullContext, native } from './fixtures.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const scratchRoot = join(REPO, '.tmp-test');
mkdirSync(scratchRoot, { recursive: true });
const scratch = mkdtempSync(join(scratchRoot, 'aws-cdk-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  if (readdirSync(scratchRoot).length === 0) rmSync(scratchRoot, { recursive: true, force: true });
});

describe('aws-cdk export files', () => {
  const { files } = awsCdkExport(full(), readAppSources(), pinnedVersions());

  test('the app modules are copied verbatim from src/export/aws-cdk/app', () => {
    const appDir = join(REPO, 'src/export/aws-cdk/app');
    for (const name of ['bin/app.ts', 'lib/meridian-app.ts', 'lib/stacks.ts', 'lib/dns-native.ts', 'lib/plan-types.ts']) {
      assert.equal(files.get(name), readFileSync(join(appDir, name), 'utf8'), name);
    }
    const expected = ['README.md', 'cdk.json', 'package.json', 'plan.json', 'tsconfig.json', 'bin/app.ts'];
    for (const name of expected) assert.ok(files.has(name), name);
    assert.ok([...files.keys()].every((name) => expected.includes(name) || /^lib\/[a-z-]+\.ts$/.test(name)), [...files.keys()].join(' '));
  });

  test('package.json pins our versions of aws-cdk-lib, constructs, tsx and typescript', () => {
    const ours = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
    const pkg = JSON.parse(files.get('package.json') ?? '') as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    assert.equal(pkg.dependencies['aws-cdk-lib'], ours.devDependencies['aws-cdk-lib']?.replace('^', ''));
    assert.equal(pkg.dependencies.constructs, ours.devDependencies.constructs?.replace('^', ''));
    assert.equal(pkg.devDependencies.tsx, ours.devDependencies.tsx?.replace('^', ''));
    assert.equal(pkg.devDependencies.typescript, ours.devDependencies.typescript);
    assert.match(pkg.devDependencies['aws-cdk'] ?? '', /^2\.\d+\.\d+$/);
  });

  test('cdk.json runs bin/app.ts and lists every value to fill in as a placeholder', () => {
    assert.deepEqual(JSON.parse(files.get('cdk.json') ?? ''), {
      app: 'npx tsx bin/app.ts',
      context: {
        'meridian:account:ap-south': 'FILL-IN-12-DIGIT-ACCOUNT-ID',
        ...Object.fromEntries(['web', 'api'].flatMap((s) => ['eu-west', 'us-east', 'ap-south'].map((r) => [`meridian:endpoint:${s}:${r}`, 'FILL-IN-NLB-OR-ALB-ARN']))),
      },
    });
    assert.match(files.get('README.md') ?? '', /- `meridian:account:ap-south`\n/);
  });

  test('an account nothing needs is not asked for (native: only the home region has a stack)', () => {
    assert.deepEqual(contextToFill(planAwsCdk(native())), {});
  });

  test('plan.json is the plan', () => {
    const plan = JSON.parse(files.get('plan.json') ?? '') as { homeRegion: string; version: number };
    assert.equal(plan.version, 1);
    assert.equal(plan.homeRegion, 'eu-west');
  });

  test('docs/exports-aws.md names every top-level file, stack, context key and default it describes', () => {
    const doc = readFileSync(join(REPO, 'docs/exports-aws.md'), 'utf8');
    const names = [
      ...[...files.keys()].filter((name) => !name.startsWith('lib/')),
      GLOBAL_STACK, SECRETS_STACK, regionalStackName('<region>'),
      'meridian:account:<region>', 'meridian:endpoint:<service>:<region>', ACCOUNT_PLACEHOLDER, ENDPOINT_PLACEHOLDER,
      AURORA_ENGINE_VERSION, `db.${AURORA_INSTANCE_CLASS}`, SECRETS_KEY_ALIAS,
    ];
    for (const name of names) assert.ok(doc.includes(name), `docs/exports-aws.md does not mention ${name}`);
  });

  test('the same topology gives byte-identical folders', () => {
    const [a, b] = ['a', 'b'].map((name) => join(scratch, name));
    writeAwsCdkExport(full(), a as string);
    writeAwsCdkExport(full(), b as string);
    const listing = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    assert.deepEqual(listing(a as string), listing(b as string));
    for (const name of listing(a as string)) {
      if (name.endsWith('.ts') || name.endsWith('.json') || name.endsWith('.md')) {
        assert.ok(readFileSync(join(a as string, name)).equals(readFileSync(join(b as string, name))), name);
      }
    }
  });
});

test('the exported folder synthesizes: bin/app.ts under tsx writes a cloud assembly with every stack', () => {
  const dir = join(scratch, 'app');
  writeAwsCdkExport(full(), dir);
  const out = join(dir, 'cdk.out');
  // What `cdk synth` does: run cdk.json's app with the context it holds (here, filled in).
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify(fullContext()) },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const templates = readdirSync(out).filter((f) => f.endsWith('.template.json')).sort();
  assert.deepEqual(templates, ['Meridian-Global.template.json', 'Meridian-Secrets.template.json', 'Meridian-ap-south.template.json', 'Meridian-eu-west.template.json', 'Meridian-us-east.template.json']);
  const resources = (name: string) => Object.values((JSON.parse(readFileSync(join(out, name), 'utf8')) as { Resources: Record<string, { Type: string }> }).Resources).map((x) => x.Type);
  assert.ok(resources('Meridian-Global.template.json').includes('AWS::GlobalAccelerator::Accelerator'));
  assert.ok(resources('Meridian-us-east.template.json').includes('AWS::RDS::DBCluster'));
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { environment?: string }> };
  assert.equal(manifest.artifacts['Meridian-ap-south']?.environment, 'aws://111111111111/ap-south-1');
});

test('the CLI subcommand writes the folder, prints each file and what is left to fill in', async () => {
  const topologyFile = join(scratch, 'meridian.yaml');
  writeFileSync(topologyFile, FULL_YAML);
  const dir = join(scratch, 'cli');
  const program = new Command('meridian').exitOverride();
  registerAwsCdkExport(program.command('export'));
  const stdout: string[] = [];
  const write = mock.method(process.stdout, 'write', (chunk: string) => stdout.push(chunk) > 0);
  try {
    await program.parseAsync(['export', 'aws-cdk', '-f', topologyFile, '-o', dir], { from: 'user' });
  } finally {
    write.mock.restore();
  }
  assert.ok(stdout.includes(`wrote ${join(dir, 'plan.json')}\n`));
  assert.ok(stdout.includes(`wrote ${join(dir, 'lib/stacks.ts')}\n`));
  assert.match(stdout.join(''), /^before cdk synth, fill in meridian:account:ap-south, meridian:endpoint:web:eu-west, .* in .*\/cdk\.json$/m);
  assert.equal(readFileSync(join(dir, 'bin/app.ts'), 'utf8'), readFileSync(join(REPO, 'src/export/aws-cdk/app/bin/app.ts'), 'utf8'));
});
