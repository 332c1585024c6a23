/** docs/exports.md keeps up with the exports: every file they write and every flag is described. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerExportCommands } from '../../../src/cli/commands/export.ts';
import { argocdExport } from '../../../src/export/argocd/index.ts';
import { kubernetesExport } from '../../../src/export/k8s/index.ts';
import { SMALL } from './fixtures.ts';

const DOC = readFileSync(new URL('../../../docs/exports.md', import.meta.url), 'utf8');

test('every file the k8s and argocd exports write is named in docs/exports.md', () => {
  const k8s = kubernetesExport(SMALL, { regions: ['eu-west'], dnsLoadBalancer: true, apiLoadBalancer: true });
  const names = new Set([...k8s.keys(), ...argocdExport(SMALL).keys()].map((path) => path.split('/').pop()!.replace('applicationset-web', 'applicationset-<service>')));
  for (const name of names) assert.ok(DOC.includes(name), `docs/exports.md does not mention ${name}`);
});

test('every option of export k8s and export argocd is in docs/exports.md', () => {
  const program = new Command();
  registerExportCommands(program);
  const group = program.commands.find((c) => c.name() === 'export')!;
  for (const name of ['k8s', 'argocd']) {
    const command = group.commands.find((c) => c.name() === name)!;
    for (const option of command.options) {
      const spelled = DOC.includes(option.long!) || (option.short !== undefined && DOC.includes(`${option.short} `));
      assert.ok(spelled, `export ${name} ${option.long} is not in docs/exports.md`);
    }
  }
});
