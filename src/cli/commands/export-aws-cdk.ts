/** `meridian export aws-cdk`: the AWS CDK app for a topology's AWS regions. */
import type { Command } from 'commander';

export function registerAwsCdkExport(exportCommand: Command): void {
  exportCommand
    .command('aws-cdk')
    .description('write an AWS CDK app (TypeScript): Route 53 (delegate or native), Global Accelerator, Aurora Global Database, ECR replication, replicated secrets')
    .option('-f, --file <path>', 'topology file (default: the running lab)')
    .requiredOption('-o, --output <dir>', 'directory to write the app into (files of the same name are replaced)')
    .action(async (flags: { file?: string; output: string }) => {
      const [{ contextToFill, writeAwsCdkExport }, { loadTopologyOrLab }] = await Promise.all([import('../../export/aws-cdk/index.ts'), import('../topology-source.ts')]);
      const { plan, written } = writeAwsCdkExport(loadTopologyOrLab(flags.file), flags.output);
      for (const path of written) process.stdout.write(`wrote ${path}\n`);
      for (const note of plan.notes) process.stderr.write(`meridian: note: ${note}\n`);
      const toFill = Object.keys(contextToFill(plan));
      if (toFill.length > 0) process.stdout.write(`before cdk synth, fill in ${toFill.join(', ')} in ${flags.output}/cdk.json\n`);
    });
}
