import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { labLayout } from '../../../src/lab/layout.ts';
import { readState, statePath, updateState, writeState, type LabState } from '../../../src/lab/state.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-lab-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const state: LabState = {
  version: 1,
  phase: 'building',
  createdAt: 't',
  digest: 'd',
  agents: false,
  topologyFile: join(dir, 'topology.yaml'),
  layout: labLayout(parseTopology(DEFAULT_TOPOLOGY_YAML)),
  namespaces: ['mrd-eu-west'],
  links: ['mrd-br0'],
  resolvConfDirs: [],
  cut: [],
  processes: [],
};

describe('lab state file', () => {
  it('reads back what was written, and leaves no temporary file behind', () => {
    writeState(state, dir);
    assert.deepEqual(readState(dir), state);
    assert.deepEqual(readdirSync(dir), ['state.json']);
  });

  it('updates by read-modify-write', () => {
    writeState(state, dir);
    const next = updateState((s) => ({ ...s, phase: 'up', cut: ['eu-west'] }), dir);
    assert.deepEqual(readState(dir), next);
    assert.equal(next.phase, 'up');
  });

  it('treats a missing or torn file as no state (down still sweeps by prefix)', () => {
    assert.equal(readState(join(dir, 'nowhere')), undefined);
    writeFileSync(statePath(dir), '{"version": 1, "pha');
    assert.equal(readState(dir), undefined);
    assert.throws(() => updateState((s) => s, join(dir, 'nowhere')), { name: 'InfraError' });
  });
});
