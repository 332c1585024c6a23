/**
 * Deployment exports, under the `export` group (beside `export prometheus`):
 *   meridian export k8s (--region R | --all-regions) -o DIR [-f FILE] [--dns-load-balancer] [--api-load-balancer]
 *                       [--image REF] [--image-digest sha256:HEX]
 *   meridian export argocd -o DIR [-f FILE]
 *   meridian export aws-cdk -o DIR [-f FILE]   (export-aws-cdk.ts)
 * Without -f, the running lab's topology is used. Each prints the files it wrote.
 */
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import type { ExportFiles } from '../../export/index.ts';
import { registerAwsCdkExport } from './export-aws-cdk.ts';

interface K8sFlags {
  file?: string;
  output: string;
  region?: string;
  allRegions?: boolean;
  dnsLoadBalancer?: boolean;
  apiLoadBalancer?: boolean;
  image?: string;
  imageDigest?: string;
}

/** The `export` command group, created by whichever registration comes first. */
export function exportCommandGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'export')
    ?? program.command('export').description('configuration for other tools, generated from the topology');
}

export function registerExportCommands(program: Command): void {
  const group = exportCommandGroup(program);
  group
    .command('k8s')
    .description("write the Kubernetes manifests that run a region's agent: Kustomize base/ and overlays/<region>/")
    .option('-f, --file <path>', 'topology file (default: the running lab)')
    .requiredOption('-o, --output <dir>', 'directory to write into (base/ and overlays/ are created in it)')
    .option('--region <name>', 'write the overlay of this region')
    .option('--all-regions', 'write an overlay for every region')
    .option('--dns-load-balancer', "make the DNS Service a public LoadBalancer, annotated for regions[].cloud.provider")
    .option('--api-load-balancer', "make the API Service an internal LoadBalancer open to the peers' agents and operators only")
    .option('--image <ref>', 'the agent image instead of kubernetes.image, e.g. registry.example.com/meridian@sha256:<64 hex>')
    .option('--image-digest <sha256:hex>', 'run the image by this digest (name@sha256:…, its tag dropped); see docs/security.md')
    .action(async (flags: K8sFlags) => {
      if (Boolean(flags.region) === Boolean(flags.allRegions)) throw new UsageError('export k8s: pass exactly one of --region NAME and --all-regions');
      const [{ kubernetesExport }, { loadTopologyOrLab }] = await Promise.all([import('../../export/index.ts'), import('../topology-source.ts')]);
      const topology = loadTopologyOrLab(flags.file);
      const regions = flags.allRegions ? topology.regions.map((r) => r.name) : [flags.region!];
      await write(flags.output, kubernetesExport(topology, {
        regions,
        dnsLoadBalancer: flags.dnsLoadBalancer,
        apiLoadBalancer: flags.apiLoadBalancer,
        image: flags.image,
        imageDigest: flags.imageDigest,
      }));
    });

  group
    .command('argocd')
    .description('write Argo CD ApplicationSets for the agent and every service, synced region by region in the topology\'s waves')
    .option('-f, --file <path>', 'topology file (default: the running lab)')
    .requiredOption('-o, --output <dir>', 'directory to write into')
    .action(async (flags: { file?: string; output: string }) => {
      const [{ argocdExport }, { loadTopologyOrLab }] = await Promise.all([import('../../export/index.ts'), import('../topology-source.ts')]);
      await write(flags.output, argocdExport(loadTopologyOrLab(flags.file)));
    });

  registerAwsCdkExport(group);
}

async function write(dir: string, files: ExportFiles): Promise<void> {
  const { writeExportFiles } = await import('../../export/index.ts');
  for (const path of writeExportFiles(dir, files)) process.stdout.write(`wrote ${path}\n`);
}
