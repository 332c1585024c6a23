import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  decodeStepRecord, encodeStepRecord, jsonlAuditSink, readJsonlAudit, runbookProgress, teeAudit, type StepRecord,
} from '../../../src/failover/index.ts';
import { MemoryAudit } from '../../../src/failover/testing/index.ts';

const opened = (runbookId: string, subject = 'eu-west'): StepRecord => ({
  runbookId, stepId: 'runbook', kind: 'runbook', startedAtMs: 1, result: 'started', detail: 'open', token: 9n,
  runbook: { kind: 'failover', subject },
});
const stepRec = (runbookId: string, stepId: string, result: StepRecord['result']): StepRecord => ({
  runbookId, stepId, kind: 'promote', startedAtMs: 2, endedAtMs: 3, result, detail: 'x', token: 9n,
});
const closed = (runbookId: string, result: StepRecord['result']): StepRecord => ({
  runbookId, stepId: 'runbook', kind: 'runbook', startedAtMs: 1, endedAtMs: 4, result, detail: 'close', token: 9n,
});

describe('runbookProgress', () => {
  const cases: { name: string; records: StepRecord[]; expect: ReturnType<typeof runbookProgress> }[] = [
    { name: 'empty audit: nothing open', records: [], expect: null },
    {
      name: 'open runbook: completed are the ok steps only (not started, failed or skipped)',
      records: [opened('a'), stepRec('a', 's1', 'started'), stepRec('a', 's1', 'ok'), stepRec('a', 's2', 'started'), stepRec('a', 's2', 'failed'), stepRec('a', 's3', 'skipped')],
      expect: { runbookId: 'a', kind: 'failover', subject: 'eu-west', completed: ['s1'] },
    },
    { name: 'closed ok: nothing open', records: [opened('a'), stepRec('a', 's1', 'ok'), closed('a', 'ok')], expect: null },
    {
      name: 'closed failed: still open, across two coordinators',
      records: [opened('a'), stepRec('a', 's1', 'ok'), closed('a', 'failed'), opened('a'), stepRec('a', 's2', 'ok')],
      expect: { runbookId: 'a', kind: 'failover', subject: 'eu-west', completed: ['s1', 's2'] },
    },
    {
      name: 'a later runbook supersedes an unfinished one',
      records: [opened('a'), stepRec('a', 's1', 'ok'), opened('b', 'us-east'), stepRec('b', 's9', 'ok')],
      expect: { runbookId: 'b', kind: 'failover', subject: 'us-east', completed: ['s9'] },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(runbookProgress(c.records), c.expect));
});

describe('record encoding', () => {
  it('round-trips, token as a decimal string', () => {
    const r = { ...opened('a'), token: 18446744073709551615n };
    const line = encodeStepRecord(r);
    assert.match(line, /"token":"18446744073709551615"/);
    assert.deepEqual(decodeStepRecord(line), r);
  });

  it('rejects what it did not write', () => {
    assert.equal(decodeStepRecord('{"runbookId":"a"'), undefined);
    assert.equal(decodeStepRecord(JSON.stringify({ ...opened('a'), token: 9 })), undefined);
    assert.equal(decodeStepRecord(JSON.stringify({ ...opened('a'), token: '9', extra: 1 })), undefined);
  });
});

describe('JSONL audit file', () => {
  let dir = '';
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('appends one line per record and reads them back; a torn line is reported, not dropped silently', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-audit-'));
    const path = join(dir, 'audit.jsonl');
    assert.deepEqual(await readJsonlAudit(path), { records: [], badLines: [] });
    const sink = jsonlAuditSink(path);
    await sink.append(opened('a'));
    await sink.append(stepRec('a', 's1', 'ok'));
    await appendFile(path, '{"runbookId":"a","stepId"\n');
    await sink.append(closed('a', 'ok'));
    const read = await readJsonlAudit(path);
    assert.deepEqual(read.records, [opened('a'), stepRec('a', 's1', 'ok'), closed('a', 'ok')]);
    assert.deepEqual(read.badLines, [3]);
  });

  it('an unwritable path is an InfraError', async () => {
    await assert.rejects(jsonlAuditSink('/nonexistent-dir/x/audit.jsonl').append(opened('a')), { name: 'InfraError' });
  });
});

describe('teeAudit', () => {
  it('writes to every sink and fails if one fails, after trying all', async () => {
    const a = new MemoryAudit();
    const b = new MemoryAudit();
    const tee = teeAudit(a, b);
    await tee.append(opened('x'));
    a.failWhen = () => true;
    await assert.rejects(tee.append(closed('x', 'ok')), /audit record not stored/);
    assert.equal(a.records.length, 1);
    assert.equal(b.records.length, 2);
  });
});
