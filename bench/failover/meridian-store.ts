/**
 * Meridian's side of part (c): the built-in topology with its store's replication set to sync or
 * async, and, between two drills, bringing the store whole again the way an operator does: the
 * old primary comes back fenced (read-only, still on its old timeline) and `meridian db rejoin`
 * rebuilds it as a standby of the new primary (autoRejoin stays off, as in the built-in topology).
 * The judgement of "whole" is pure; the loop around it reads `observeStores` and runs the CLI.
 */
import { parseDocument } from 'yaml';
import { runStatement } from '../../src/drill/db/index.ts';
import { MERIDIAN_BIN, observeStores, type AppLogin, type StoreStatus, type StoreTarget } from '../../src/lab/index.ts';
import type { PgTls } from '../../src/data/index.ts';
import { DEFAULT_TOPOLOGY_YAML } from '../../src/spec/index.ts';
import type { ProcessGroup } from '../lib/processes.ts';

/** The built-in topology, its (only) store switched to `replication`; comments kept. */
export function topologyWithReplication(replication: 'sync' | 'async', source = DEFAULT_TOPOLOGY_YAML): string {
  const doc = parseDocument(source);
  if (!doc.hasIn(['stores', 0, 'replication'])) throw new Error('the built-in topology has no stores[0].replication to set');
  doc.setIn(['stores', 0, 'replication'], replication);
  return doc.toString();
}

export type StoreJudgement =
  | { readonly whole: true; readonly primary: string }
  /** `rejoin`: members that will not come back by themselves (a former primary, a standby on an older timeline). */
  | { readonly whole: false; readonly waitingFor: string; readonly rejoin: readonly string[] };

/** Whole: every member answers, one primary, every other member a standby streaming on its timeline. */
export function judgeStore(s: StoreStatus): StoreJudgement {
  if (s.primarySource !== 'observed') return { whole: false, waitingFor: 'a member answering as primary', rejoin: [] };
  const primary = s.members.find((m) => m.region === s.primary)!;
  const others = s.members.filter((m) => m !== primary);
  const rejoin = others
    .filter((m) => m.reachable && (m.role === 'primary' || (m.role === 'standby' && m.streaming === false && m.timeline !== null && primary.timeline !== null && m.timeline < primary.timeline)))
    .map((m) => m.region);
  const unreachable = s.members.filter((m) => !m.reachable).map((m) => m.region);
  if (unreachable.length > 0) return { whole: false, waitingFor: `${unreachable.join(', ')} to answer`, rejoin };
  if (rejoin.length > 0) return { whole: false, waitingFor: `${rejoin.join(', ')} to rejoin as standby of ${s.primary}`, rejoin };
  const lagging = others.filter((m) => m.role !== 'standby' || m.streaming !== true || m.timeline !== primary.timeline).map((m) => m.region);
  if (lagging.length > 0) return { whole: false, waitingFor: `${lagging.join(', ')} to stream from ${s.primary}`, rejoin: [] };
  return { whole: true, primary: s.primary };
}

export interface RestoreOptions {
  readonly target: StoreTarget;
  readonly admin: AppLogin;
  /** The lab's PostgreSQL CA: its members take the admin role from the host over TLS only. */
  readonly tls?: PgTls;
  /** The lab's application login: the primary must take writes (its agent lifted any fence). */
  readonly app: AppLogin;
  readonly group: ProcessGroup;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export type RestoreOutcome = { readonly ok: true; readonly primary: string; readonly rejoined: readonly string[] } | { readonly ok: false; readonly reason: string };

const POLL_MS = 500;
/** A rejoin that failed (coordinator busy, member not yet seen) is asked again after this. */
const REJOIN_RETRY_MS = 5000;

export async function restoreMeridianStore(o: RestoreOptions): Promise<RestoreOutcome> {
  const deadline = Date.now() + o.timeoutMs;
  const lastAsked = new Map<string, number>();
  const rejoined: string[] = [];
  let last = 'nothing read yet';
  while (Date.now() < deadline) {
    o.signal?.throwIfAborted();
    const [status] = await observeStores([o.target], { admin: o.admin, ...(o.tls ? { tls: o.tls } : {}) });
    const judged = judgeStore(status!);
    if (judged.whole) {
      if (await writable(status!, o.app)) return { ok: true, primary: judged.primary, rejoined };
      last = `the primary ${judged.primary} to take writes (fenced?)`;
    } else {
      last = judged.waitingFor;
      for (const region of judged.rejoin) {
        if (Date.now() - (lastAsked.get(region) ?? 0) < REJOIN_RETRY_MS) continue;
        lastAsked.set(region, Date.now());
        const answer = await rejoin(o.group, o.target.name, region, deadline - Date.now());
        if (answer === 'done') rejoined.push(region);
        else last = `rejoin of ${region}: ${answer}`;
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { ok: false, reason: `the store was not whole within ${o.timeoutMs} ms: still waiting for ${last}` };
}

/** `meridian db rejoin` as an operator runs it, bounded: 'done', or why not (its last lines). */
async function rejoin(group: ProcessGroup, store: string, region: string, boundMs: number): Promise<'done' | string> {
  const proc = group.spawn(`meridian db rejoin ${region}`, process.execPath, [MERIDIAN_BIN, 'db', 'rejoin', '--store', store, '--region', region]);
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(boundMs, 1000))));
  const status = await Promise.race([proc.exited, bound]);
  clearTimeout(timer);
  if (status === 'timeout') {
    await group.stop(proc);
    return `no answer within ${boundMs} ms`;
  }
  return status === 0 ? 'done' : `exit ${status}: ${proc.output().trim().split('\n').slice(-2).join(' ')}`;
}

async function writable(s: StoreStatus, app: AppLogin): Promise<boolean> {
  const m = s.members.find((x) => x.region === s.primary)!;
  const host = m.address.replace(/:\d+$/, '');
  const r = await runStatement<{ ro: string }>({ host, port: Number(m.address.split(':').at(-1)), user: app.user, password: app.password, database: s.database },
    "SELECT current_setting('default_transaction_read_only') AS ro", [], { connectMs: 1000, answerMs: 1000 });
  return r.kind === 'answered' && r.rows[0]?.ro === 'off';
}
