/**
 * The operator's store commands, each a request to the failover coordinator (whichever agent
 * holds the election, found through every agent's /status):
 *   meridian switchover --store S --to R            planned switchover, no acknowledged write lost
 *   meridian db rejoin --store S --region R [--force] rebuild a member as a standby
 *   meridian pause --store S [--reason TEXT]         maintenance mode: no automatic action
 *   meridian resume --store S                        end it
 *   meridian db runbook abort --store S              close the open runbook (recorded `aborted`)
 * The coordinator plans from a fresh snapshot and answers when done. Exit 0 when done (or
 * nothing to do, or a rebuild still under way), 1 when blocked or failed (with the reason, which
 * names what blocks and how to unblock it), 2 for a store or region not in the topology.
 * Each request names who asked (MERIDIAN_OPERATOR, else user@host): the audit and logs keep it.
 */
import type { Command } from 'commander';
import { CheckFailed, InfraError, InputError } from '../../common/errors.ts';
import type { AgentReading } from '../../agent/index.ts';
import type { OperatorRequest } from '../../agent/store/index.ts';
import type { Topology } from '../../spec/index.ts';
import { formatTable, printJson } from '../output.ts';
import { principal } from './principal.ts';

const ANSWER_TIMEOUT_MS = 30 * 60_000;

export function registerStoreCommands(program: Command): void {
  program
    .command('switchover')
    .description('planned switchover of a store to another region: no acknowledged write lost (exit 1 when blocked, with the reason)')
    .requiredOption('--store <name>', 'the store (stores[].name)')
    .requiredOption('--to <region>', 'the region whose standby becomes the primary')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the coordinator's answer as JSON")
    .action(async (opts: { store: string; to: string; file?: string; json?: boolean }) => {
      const { loadTopologyOrLab } = await import('../topology-source.ts');
      const topology = loadTopologyOrLab(opts.file);
      checkMember(topology, opts.store, opts.to);
      await askCoordinator(topology, opts.store, { kind: 'switchover', to: opts.to, by: principal() }, opts.json ?? false, opts.file);
    });

  program
    .command('pause')
    .description('maintenance mode for a store: no automatic failover, repoint or rebuild until resumed (each agent still fences its own database when it loses its lease)')
    .requiredOption('--store <name>', 'the store (stores[].name)')
    .option('--reason <text>', 'why, shown on /status, the dashboard and the timeline')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the coordinator's answer as JSON")
    .action(async (opts: { store: string; reason?: string; file?: string; json?: boolean }) => {
      const topology = await storeTopology(opts.file, opts.store);
      await askCoordinator(topology, opts.store, { kind: 'pause', by: principal(), ...(opts.reason ? { reason: opts.reason } : {}) }, opts.json ?? false, opts.file);
    });

  program
    .command('resume')
    .description('end a store\'s maintenance mode: the reconciler acts again on its next tick')
    .requiredOption('--store <name>', 'the store (stores[].name)')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the coordinator's answer as JSON")
    .action(async (opts: { store: string; file?: string; json?: boolean }) => {
      const topology = await storeTopology(opts.file, opts.store);
      await askCoordinator(topology, opts.store, { kind: 'resume', by: principal() }, opts.json ?? false, opts.file);
    });

  // `db` may already exist (db status): add to it rather than define it twice.
  const db = program.commands.find((c) => c.name() === 'db') ?? program.command('db').description("the topology's data stores (PostgreSQL)");
  db.command('rejoin')
    .description('bring a former primary or diverged member back as a standby of the current primary (pg_rewind, else a base backup)')
    .requiredOption('--store <name>', 'the store (stores[].name)')
    .requiredOption('--region <region>', 'the member to rejoin')
    .option('--method <rewind|base-backup>', 'how to rebuild it', 'rewind')
    .option('--force', 'its database does not answer SQL (stopped, or its region was cut): ask its agent to rebuild it anyway')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the coordinator's answer as JSON")
    .action(async (opts: { store: string; region: string; method: string; force?: boolean; file?: string; json?: boolean }) => {
      if (opts.method !== 'rewind' && opts.method !== 'base-backup') throw new InputError(`--method must be rewind or base-backup, not '${opts.method}'`);
      const { loadTopologyOrLab } = await import('../topology-source.ts');
      const topology = loadTopologyOrLab(opts.file);
      checkMember(topology, opts.store, opts.region);
      const request: OperatorRequest = { kind: 'rejoin', region: opts.region, method: opts.method, by: principal(), ...(opts.force ? { force: true } : {}) };
      await askCoordinator(topology, opts.store, request, opts.json ?? false, opts.file);
    });

  const runbook = db.command('runbook').description("a store's runbooks (the audit of what the reconciler did)");
  runbook.command('abort')
    .description('close the open runbook (recorded as aborted, with who asked); a switchover\'s write block is lifted; the reconciler then plans again from what it observes')
    .requiredOption('--store <name>', 'the store (stores[].name)')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the coordinator's answer as JSON")
    .action(async (opts: { store: string; file?: string; json?: boolean }) => {
      const topology = await storeTopology(opts.file, opts.store);
      await askCoordinator(topology, opts.store, { kind: 'abort', by: principal() }, opts.json ?? false, opts.file);
    });
}

async function storeTopology(file: string | undefined, storeName: string): Promise<Topology> {
  const { loadTopologyOrLab } = await import('../topology-source.ts');
  const topology = loadTopologyOrLab(file);
  if (!topology.stores.some((s) => s.name === storeName)) {
    throw new InputError(`no store '${storeName}' in the topology (stores: ${topology.stores.map((s) => s.name).join(', ') || 'none'})`);
  }
  return topology;
}

function checkMember(topology: Topology, storeName: string, region: string): void {
  const store = topology.stores.find((s) => s.name === storeName);
  if (!store) throw new InputError(`no store '${storeName}' in the topology (stores: ${topology.stores.map((s) => s.name).join(', ') || 'none'})`);
  const members = [store.primaryRegion, ...store.replicaRegions];
  if (!members.includes(region)) throw new InputError(`region '${region}' is not a member of store '${storeName}' (members: ${members.join(', ')})`);
}

const HANDOVER_SLACK_MS = 3000;
const HANDOVER_POLL_MS = 500;

interface CoordinatorAnswer {
  readonly outcome?: string;
  readonly reason?: string;
  readonly error?: string;
  readonly coordinator?: string | null;
  readonly runbookId?: string;
  readonly steps?: readonly { stepId: string; result: string; detail: string; token: string }[];
  readonly failedAt?: string;
  readonly detail?: string;
}

export async function askCoordinator(topology: Topology, store: string, request: OperatorRequest, json: boolean, file: string | undefined): Promise<void> {
  const [{ readAgentStatuses }, { authHeaders }] = await Promise.all([import('../../agent/status-client.ts'), import('../credentials.ts')]);
  // A forced rejoin is an admin's call; the lab's admin token is picked only then.
  const headers = authHeaders(request.kind === 'rejoin' && request.force ? 'admin' : 'operator', file);
  const path = `/v1/stores/${encodeURIComponent(store)}/${request.kind}`;
  const { kind: _kind, ...body } = request;
  // The election may be changing hands (a coordinator's lease lapsing after a heal): an agent
  // then answers 409, naming the holder of the old key. Ask again until the lease would have
  // run out twice over, rather than fail an operator's command on a hand-over.
  const deadline = Date.now() + 2 * topology.failover.leaseTtl + HANDOVER_SLACK_MS;
  let readings = await readAgentStatuses(topology, 2_000, headers);
  let coordinator = coordinatorOf(readings, store);
  let waited = false;
  for (;;) {
    const api = topology.regions.find((r) => r.name === coordinator)?.agent?.api;
    if (api) {
      const { status, answer } = await post(new URL(path, api), body, headers);
      if (status === 409 && answer.coordinator && answer.coordinator !== coordinator) {
        coordinator = answer.coordinator; // the election moved since /status was read
        continue;
      }
      if (status !== 409 || Date.now() > deadline) {
        if (json) printJson(answer);
        else print(answer);
        if (status !== 200) throw new CheckFailed(answer.error ?? `coordinator answered status ${status}`);
        if (answer.outcome === 'blocked' || answer.outcome === 'failed' || answer.outcome === 'unavailable') {
          throw new CheckFailed(`${request.kind} ${answer.outcome}: ${answer.detail ?? answer.reason ?? 'no reason given'}`);
        }
        return;
      }
    } else if (Date.now() > deadline || readings.every((r) => r.kind !== 'ok')) {
      const reasons = readings.map((r) => `${r.region}: ${r.kind === 'ok' ? (r.status.stores?.reason ?? 'no coordinator known') : r.reason}`);
      throw new CheckFailed(`no failover coordinator found for store '${store}' (${reasons.join('; ')})`);
    }
    if (!waited) process.stderr.write('the failover coordinator is changing hands; waiting for the new one\n');
    waited = true;
    await new Promise((r) => setTimeout(r, HANDOVER_POLL_MS));
    readings = await readAgentStatuses(topology, 2_000, headers);
    coordinator = coordinatorOf(readings, store);
  }
}

/** The region whose agent holds the election, as the agents report it (the holder's own word first). */
export function coordinatorOf(readings: readonly AgentReading[], store: string): string | undefined {
  const views = readings.flatMap((r) => (r.kind === 'ok' ? (r.status.stores?.stores ?? []).filter((s) => s.store === store).map((s) => ({ region: r.region, s })) : []));
  return views.find((v) => v.s.coordinator.self)?.region ?? views.find((v) => v.s.coordinator.holder)?.s.coordinator.holder ?? undefined;
}

async function post(url: URL, body: unknown, headers: Readonly<Record<string, string>>): Promise<{ status: number; answer: CoordinatorAnswer }> {
  // node:https rather than fetch: an https agent is verified against MERIDIAN_API_CA (common/api-ca.ts).
  const { postJsonForAnswer } = await import('../../health/http-post.ts');
  const got = await postJsonForAnswer(url.toString(), body, { headers, timeoutMs: ANSWER_TIMEOUT_MS });
  if (got.kind === 'failed') throw new InfraError(`the coordinator at ${url.origin} did not answer (${got.reason})`);
  return { status: got.status, answer: got.body as CoordinatorAnswer };
}

function print(answer: CoordinatorAnswer): void {
  const lines = [`${answer.outcome ?? 'error'}: ${answer.reason ?? answer.error ?? ''}`];
  if (answer.runbookId) lines.push(`runbook ${answer.runbookId}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const steps = (answer.steps ?? []).filter((s) => s.result !== 'started');
  if (steps.length > 0) process.stdout.write(formatTable(['step', 'result', 'token', 'detail'], steps.map((s) => [s.stepId, s.result, s.token, s.detail])));
}
