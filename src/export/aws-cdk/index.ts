/**
 * export aws-cdk: a TypeScript CDK app for the AWS side of a topology (Route 53, Global
 * Accelerator, Aurora Global Database, ECR replication, replicated secrets). The app's code is
 * app/ itself, copied verbatim, so what Meridian type-checks and tests is what users deploy;
 * the topology reaches it as plan.json, made by the pure `planAwsCdk`.
 *
 * A caller passes a validated Topology with at least one AWS region; what it lacks for a piece
 * (parent zone, agent addresses, endpoints) is an InputError naming it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Topology } from '../../spec/index.ts';
import { writeExportFiles, type ExportFiles } from '../files.ts';
import type { MeridianCdkPlan } from './app/lib/plan-types.ts';
import { planAwsCdk } from './plan.ts';
import { projectFiles, type PinnedVersions } from './project.ts';

export { planAwsCdk } from './plan.ts';
export { contextToFill } from './project.ts';
export type { MeridianCdkPlan } from './app/lib/plan-types.ts';

/** The CDK CLI release current with our aws-cdk-lib (the CLI is versioned apart since 2.1000). */
export const AWS_CDK_CLI_VERSION = '2.1148.1';

const APP_DIR = fileURLToPath(new URL('./app/', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));

/** Relative path → content of every file under app/ (bin/app.ts, lib/*.ts). */
export type AppSources = ReadonlyMap<string, string>;

export interface AwsCdkExport {
  readonly plan: MeridianCdkPlan;
  readonly files: ExportFiles;
}

export function awsCdkExport(topology: Topology, sources: AppSources, versions: PinnedVersions): AwsCdkExport {
  const plan = planAwsCdk(topology);
  return { plan, files: new Map([...sources, ...projectFiles(plan, versions)]) };
}

export function readAppSources(dir = APP_DIR): AppSources {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => name.split(sep).join('/'))
    .sort();
  return new Map(files.map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

/** Our own package.json's versions, without range operators. */
export function pinnedVersions(): PinnedVersions {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const all = { ...pkg.dependencies, ...pkg.devDependencies };
  const pin = (name: string) => {
    const range = all[name];
    if (!range) throw new Error(`invariant: package.json lists ${name}`);
    return range.replace(/^[\^~]/, '');
  };
  return {
    'aws-cdk-lib': pin('aws-cdk-lib'),
    constructs: pin('constructs'),
    tsx: pin('tsx'),
    typescript: pin('typescript'),
    '@types/node': pin('@types/node'),
    'aws-cdk': AWS_CDK_CLI_VERSION,
  };
}

/** Writes the app into `dir`; returns the plan (for its notes) and the paths written. */
export function writeAwsCdkExport(topology: Topology, dir: string): { plan: MeridianCdkPlan; written: string[] } {
  const { plan, files } = awsCdkExport(topology, readAppSources(), pinnedVersions());
  return { plan, written: writeExportFiles(dir, files) };
}
