/**
 * Turning a stopped data directory into a standby of some upstream: standby.signal plus
 * primary_conninfo / primary_slot_name in postgresql.auto.conf (the file ALTER SYSTEM owns, so
 * a later `repoint` on the running server edits the same lines).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { standbyConninfo } from './admin.ts';
import { editAutoConf, slotNameFor, type ConfValue } from './conf.ts';
import { osUserOf, writeOwnedFile } from './process.ts';
import type { PgAuth, PgEndpoint, PgMember } from './types.ts';

/** Name no standby will ever use: the DB-level fence points synchronous_standby_names at it. */
export const FENCE_STANDBY_NAME = 'meridian_fenced_no_such_standby';

export interface StandbyConfigOptions {
  /** Drop settings a fence left behind (a rejoined member must not come back fenced when promoted). */
  readonly clearFence?: boolean;
}

export async function writeStandbyConfig(member: PgMember, upstream: PgEndpoint, auth: PgAuth, opts: StandbyConfigOptions = {}): Promise<void> {
  const user = osUserOf(member);
  await writeOwnedFile(join(member.dataDir, 'standby.signal'), '', user);
  const path = join(member.dataDir, 'postgresql.auto.conf');
  const current = await readFile(path, 'utf8').catch(() => '');
  const changes: Record<string, ConfValue | null> = {
    primary_conninfo: standbyConninfo(member, upstream, auth),
    primary_slot_name: slotNameFor(member.name),
  };
  if (opts.clearFence) Object.assign(changes, fenceLeftovers(current));
  await writeOwnedFile(path, editAutoConf(current, changes), user);
}

function fenceLeftovers(autoConf: string): Record<string, null> {
  const leftovers: Record<string, null> = { default_transaction_read_only: null };
  if (autoConf.includes(FENCE_STANDBY_NAME)) {
    leftovers.synchronous_standby_names = null;
    leftovers.synchronous_commit = null;
  }
  return leftovers;
}
