/**
 * Audit as JSON lines in a local file: one record per line, appended and flushed to disk
 * before append() returns, so a record the executor saw stored survives a crash of the host
 * process. Readable with `jq` during an incident, even when etcd is not.
 */
import { open, readFile } from 'node:fs/promises';
import { InfraError } from '../common/errors.ts';
import { decodeStepRecord, encodeStepRecord, type AuditSink, type StepRecord } from './audit.ts';

export function jsonlAuditSink(path: string): AuditSink {
  return {
    async append(record) {
      let handle;
      try {
        handle = await open(path, 'a');
        await handle.appendFile(`${encodeStepRecord(record)}\n`, 'utf8');
        await handle.datasync();
      } catch (err) {
        throw new InfraError(`cannot append audit record to ${path}`, { cause: err });
      } finally {
        await handle?.close();
      }
    },
  };
}

export interface JsonlAudit {
  readonly records: StepRecord[];
  /** 1-based numbers of lines that did not parse: reported, never dropped silently. */
  readonly badLines: number[];
}

/** Reads a JSONL audit file; a missing file is an empty audit. */
export async function readJsonlAudit(path: string): Promise<JsonlAudit> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], badLines: [] };
    throw new InfraError(`cannot read audit file ${path}`, { cause: err });
  }
  const records: StepRecord[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const record = decodeStepRecord(line);
    if (record) records.push(record);
    else badLines.push(i + 1);
  });
  return { records, badLines };
}

