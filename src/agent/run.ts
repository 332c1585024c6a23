/**
 * The regional agent process: probes → own view → peer exchange → majority merge → answer table
 * → DNS. The decisions are pure (thresholds, mergeViews, sameRouting, buildAnswerTable); this
 * file only wires them and runs the tick: read clock → merge → maybe rebuild → publish.
 *
 * Static stability: DNS always answers from the last table built; nothing on the query path
 * waits on a probe or a peer.
 */
import { describeError, InputError } from '../common/errors.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { checkEtcdEndpoints, EtcdStore, loadEtcdTls, type CoordinationStore, type EtcdTls } from '../coord/index.ts';
import { buildAnswerTable, chooseUdpTransport, rateLimitOf, startDnsServer, type AnswerTable, type DnsServer, type DnsServerOptions, type ServiceAnswers } from '../gslb/index.ts';
import {
  PeerExchange, Prober, SiblingDirectory, SiblingRelay, firstView, mergeViews, newBootId, nextView, routingChanges, sameRouting, smallestIntervalMs,
  staleAfterMsFor, topologyEndpoints, type EndpointTransition, type HealthSnapshot, type VantageView,
} from '../health/index.ts';
import type { Topology } from '../spec/index.ts';
import { AgentObserver, observeRoutes } from '../observe/index.ts';
import { explainBindError } from './bind.ts';
import { startApiServer, type ApiServer } from './http-api.ts';
import { peerBaseUrl, planAgent, type AgentPlan, type ListenAddress } from './plan.ts';
import { apiHostNames } from './request-guard.ts';
import { AccessControl, TokensFile } from './auth/index.ts';
import { ApiTlsFiles, PeerTlsFiles, peerClientTls } from './tls/index.ts';
import { useApiCa } from '../common/api-ca.ts';
import { buildStatus, type AgentStatus } from './status.ts';
import { createStoreSupervisor, type StoreSupervisionOptions } from './store/index.ts';
import { createTrafficControls } from './traffic/index.ts';
import { AgentCapacity } from './capacity/index.ts';

export interface RunAgentOptions {
  readonly topology: Topology;
  readonly region: string;
  /** `ip:port`; default regions[region].agent.dns. */
  readonly dnsListen?: string;
  /** `ip:port`; default the host and port of regions[region].agent.api. */
  readonly apiListen?: string;
  /** `host:port[,host:port…]`: the other agents of this region, to relay peer views to. */
  readonly siblings?: string;
  readonly logger?: Logger;
  /** Database supervision (src/agent/store); credentials default to the MERIDIAN_DB_* environment. */
  readonly stores?: StoreSupervisionOptions;
  /** The tokens file (./auth, docs/security.md); without one the agent serves loopback reads only and refuses every action. */
  readonly tokensFile?: string;
  /**
   * Peer certificates (`--peer-tls DIR`: ca.crt, tls.crt, tls.key; ./tls). With them and the region's
   * `agent.peer`, the peer routes are served over mutual TLS on that listener only, and peers that
   * have one are reached there.
   */
  readonly peerTlsDir?: string;
  /** `ip:port`; default regions[region].agent.peer (with peerTlsDir only). */
  readonly peerListen?: string;
  /**
   * etcd client certificates (`--etcd-tls DIR`: ca.crt, tls.crt, tls.key; coord/etcd-tls.ts), for an etcd that
   * requires them (`--client-cert-auth`); the etcd endpoints must then be https://. Read at start only.
   */
  readonly etcdTlsDir?: string;
  /**
   * The API's certificate (`--api-tls DIR`: tls.crt, tls.key, optional ca.crt; ./tls/api-files.ts): the API is then
   * https only, and regions[region].agent.api must be https://. Reread when it changes. ca.crt, when there, is the CA
   * this agent trusts to call the other agents' APIs (common/api-ca.ts).
   */
  readonly apiTlsDir?: string;
}

export interface RunningAgent {
  readonly region: string;
  readonly bootId: string;
  /** Where DNS and the API are actually bound (port 0 in the options picks a free one). */
  readonly dns: { readonly host: string; readonly port: number };
  readonly api: { readonly host: string; readonly port: number };
  /** The peer listener (mutual TLS), when there is one. */
  readonly peer?: { readonly host: string; readonly port: number };
  status(): AgentStatus;
  close(): Promise<void>;
}

/** How often sibling agents' names are looked up again (a rescheduled pod has a new address). */
const SIBLING_REFRESH_MS = 5_000;

/** Monotonic milliseconds on the epoch scale: a wall-clock step must not age or refresh views. */
const monotonicNow = () => Math.round(performance.timeOrigin + performance.now());

export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const { topology, region } = options;
  const peerTls = options.peerTlsDir !== undefined;
  const plan = planAgent(topology, region, {
    dnsListen: options.dnsListen, apiListen: options.apiListen, siblings: options.siblings, peerTls, ...(options.peerListen ? { peerListen: options.peerListen } : {}),
    apiTls: options.apiTlsDir !== undefined,
  });
  const logger = options.logger ?? createLogger('agent', { region });
  // Read before anything starts: unusable certificates stop the start (InputError naming the file).
  const tlsFiles = options.peerTlsDir !== undefined ? new PeerTlsFiles(options.peerTlsDir, region, logger) : undefined;
  const apiTls = options.apiTlsDir !== undefined ? new ApiTlsFiles(options.apiTlsDir, logger) : undefined;
  // The other agents' APIs (the dashboard's /v1/regions, peers without a peer listener) are signed by the same CA as ours.
  if (apiTls?.current().ca) useApiCa(() => apiTls.current().ca);
  // A peer's listener (https, mutual TLS): this agent's certificate, and its answer must name that region. A peer
  // without one is reached on its API, https or not, as any client reaches it (common/api-ca.ts).
  const hasPeerListener = (to: string) => topology.regions.some((r) => r.name === to && r.agent?.peer !== undefined);
  const clientTls = (to: string, url: string) => (tlsFiles && url.startsWith('https:') && hasPeerListener(to) ? { tls: peerClientTls(tlsFiles, to) } : {});
  const periodMs = smallestIntervalMs(topology);
  const staleAfterMs = staleAfterMsFor(topology);
  const endpoints = topologyEndpoints(topology);
  const bootId = newBootId();
  const access = accessControl(options.tokensFile, logger);

  let view: VantageView = firstView(region, bootId, Object.fromEntries(endpoints.map((e) => [e.key, 'unknown'])), monotonicNow());
  let snapshot: HealthSnapshot = mergeViews(topology, view, [], monotonicNow(), staleAfterMs);
  // One etcd client for the stores and the traffic controls.
  const coord = coordinationStore(topology, region, options.stores?.etcdEndpoints, etcdTlsOf(options.etcdTlsDir, topology, options.stores?.etcdEndpoints, logger), logger);
  // Stores add their primary/replica names to the zone; the table is rebuilt when they move.
  const stores = createStoreSupervisor({
    topology, region, bootId, logger, health: () => snapshot, options: { env: process.env, ...options.stores },
    memberAgent: (to) => {
      const agent = topology.regions.find((r) => r.name === to)?.agent;
      if (!tlsFiles || !agent?.peer) return undefined;
      const baseUrl = peerBaseUrl(agent.peer);
      return { baseUrl, ...clientTls(to, baseUrl) };
    },
    ...(coord.store ? { coord: coord.store } : {}),
    onNamesChanged: () => {
      table = buildAnswerTable(topology, snapshot, { staticNames: stores.staticNames(), controls: traffic.controls(), held: capacity.held() });
    },
    capacity: { capacityIfLost: (lost) => capacity.ifLost(lost), onFailoverStart: (e) => capacity.failoverStarted(e) },
  });
  // Operators' drains and weights are an input of the table like health (src/agent/traffic).
  const traffic = createTrafficControls({
    topology, region, coord: coord.store, periodMs, health: () => snapshot, loads: () => capacity.loads(), logger, noEtcdReason: coord.problem,
    ...(coord.own ? { watchVia: coord.own } : {}),
    onChange: () => rebuildTable(),
    record: (event) => observer.record(event),
  });
  // Measured load and overload holds (src/agent/capacity): holds are an input of the table like drains.
  const capacity = new AgentCapacity({
    topology, region, logger, health: () => snapshot, controls: () => traffic.controls(),
    record: (event) => observer.record(event),
    onHoldsChanged: () => rebuildTable(),
  });
  let table: AnswerTable = buildAnswerTable(topology, snapshot, { staticNames: stores.staticNames(), controls: traffic.controls(), held: capacity.held() });
  let answers: ServiceAnswers[] = table.describe();
  const observer = new AgentObserver({
    topology, region, bootId, state: () => ({ view, snapshot, peers: peers.status(), answers, stores: stores.status(), traffic: traffic.status(), capacity: capacity.status() }),
  });

  const rebuildTable = () => {
    capacity.judge();
    table = buildAnswerTable(topology, snapshot, { staticNames: stores.staticNames(), controls: traffic.controls(), held: capacity.held() });
    const described = table.describe();
    if (JSON.stringify(described) !== JSON.stringify(answers)) {
      logger.info({ event: 'answers.changed', vantage: region, previous: compact(answers), answers: compact(described) }, 'answers changed');
    }
    observer.answersRebuilt(answers, described);
    answers = described;
  };

  const tick = () => {
    const next = mergeViews(topology, view, peers.receivedViews(), monotonicNow(), staleAfterMs);
    const changed = !sameRouting(snapshot, next);
    observer.peersObserved(peers.status());
    observer.storesObserved();
    if (changed) logRoutedTransitions(logger, region, snapshot, next);
    if (changed) observer.routingChanged(snapshot, next);
    snapshot = next;
    // Votes change a region from degraded to dead (or back) without changing what is routed up:
    // the overload holds are judged on every tick, not only on routing changes.
    if (changed || capacity.judge()) rebuildTable();
  };

  const peers = new PeerExchange({
    self: region,
    peers: plan.peers.map((p) => ({ ...p, ...clientTls(p.region, p.viewUrl) })),
    periodMs,
    timeoutMs: periodMs,
    staleAfterMs,
    localAddress: plan.localAddress,
    logger,
    now: monotonicNow,
    onView: tick,
  });
  // A region with more than one agent: each forwards the peer views it got to the others.
  // With a peer listener, --siblings names the siblings' peer listeners, and relays go over mutual TLS.
  const siblingDirectory = plan.siblings.length > 0
    ? new SiblingDirectory(plan.siblings, plan.peer ?? plan.api, logger, undefined, plan.peer || apiTls ? 'https' : 'http')
    : undefined;
  const relay = siblingDirectory
    ? new SiblingRelay({
        siblings: () => siblingDirectory.current(), timeoutMs: periodMs, localAddress: plan.localAddress, logger,
        ...(plan.peer && tlsFiles ? { tls: peerClientTls(tlsFiles, region) } : {}),
      })
    : undefined;
  const prober = new Prober({
    endpoints,
    localAddress: plan.localAddress,
    probe: observer.metrics.instrumentProbe(),
    onTransition: (t) => {
      logVantageTransition(logger, region, t);
      observer.vantageTransition(t);
      view = nextView(view, prober.states(), monotonicNow());
      peers.publish(view);
      tick();
    },
  });

  const statusNow = (): AgentStatus => ({
    ...buildStatus({ topology, view, snapshot, peers: peers.status(), staleAfterMs, answers, lastProbe: (k) => prober.lastResult(k) }),
    stores: stores.status(),
    traffic: traffic.status(),
    capacity: capacity.status(),
    ...(relay ? { siblings: relay.status() } : {}),
  });
  // A restarted agent reads the drains before its first DNS answer (bounded by etcd's request
  // deadline; unreachable, it starts without them and says so on /status).
  await traffic.start();
  capacity.start();
  const dns = await startDns(plan, () => table, logger, observer.metrics.recordDnsAnswer, rateLimitOf(topology));
  const routes = observeRoutes({
    observer,
    status: statusNow,
    streamIntervalMs: periodMs,
    // The dashboard reads the other agents through this one (GET /v1/regions): same origin.
    peers: topology.regions.flatMap((r) => (r.name !== region && r.agent ? [{ region: r.name, api: r.agent.api }] : [])),
    ...(plan.localAddress ? { localAddress: plan.localAddress } : {}),
  });
  let api: ApiServer;
  try {
    api = await startApiServer(plan.api, {
      status: statusNow,
      view: () => view,
      receiveView: (v, relayed) => {
        const outcome = peers.receive(v);
        if (outcome === 'accepted' && !relayed) relay?.forward(v);
        return outcome;
      },
      extra: async (req, res, auth, peer) => (await stores.handle(req, res, auth, peer)) || (await traffic.handle(req, res, auth)) || routes.handle(req, res),
    }, logger, {
      hostNames: apiHostNames(topology, region, plan.api.host), access,
      ...(plan.peer && tlsFiles ? { peer: { listen: plan.peer, files: tlsFiles, region } } : {}),
      ...(apiTls ? { tls: apiTls } : {}),
    });
  } catch (err) {
    traffic.close();
    capacity.close();
    await Promise.all([dns.close(), coord.store?.close()]);
    throw err;
  }
  // The server swaps its secure context when the files change; clients read them per connection.
  tlsFiles?.start();
  apiTls?.start();
  warnPlaintextApi(plan.api, apiTls !== undefined, options.tokensFile !== undefined, options.apiListen !== undefined, logger);
  if (tlsFiles && !plan.peer) logger.warn({ event: 'peerTls.unused' }, 'peer certificates given but this region has no agent.peer: the peer routes stay on the API, unauthenticated; peers with a peer listener are reached over mutual TLS');

  void siblingDirectory?.start(SIBLING_REFRESH_MS); // its lookups never throw; DNS and probes do not wait for them
  prober.start();
  peers.publish(view);
  await stores.start();
  // Peer views go stale with time alone, so merge on a timer as well as on every message.
  const ticker = setInterval(tick, periodMs);
  logger.info({ event: 'agent.started', vantage: region, bootId, dns: plan.dns, api: plan.api, peers: plan.peers.map((p) => p.region), ...(api.peer ? { peerListener: api.peer } : {}), staleAfterMs }, 'agent serving');

  return {
    region,
    bootId,
    dns: { host: dns.host, port: dns.udpPort },
    api: { host: api.host, port: api.port },
    ...(api.peer ? { peer: api.peer } : {}),
    status: statusNow,
    close: async () => {
      clearInterval(ticker);
      traffic.close();
      capacity.close();
      await stores.close();
      await coord.store?.close(); // closed by the store supervisor when it supervises: closing is idempotent
      routes.close();
      siblingDirectory?.close();
      await Promise.all([prober.close(), peers.close(), relay?.close()]);
      tlsFiles?.close();
      apiTls?.close();
      await Promise.all([api.close(), dns.close()]);
      logger.info({ event: 'agent.stopped', vantage: region, bootId }, 'agent stopped');
    },
  };
}

/**
 * The agent's etcd client when the topology has members (`etcdEndpoints` overrides them, as for
 * the stores), and its own region's member to watch through. A bad endpoint list is a reason, not
 * a crash: the agent serves DNS without traffic controls and /status says why.
 */
function coordinationStore(
  topology: Topology, region: string, override: readonly string[] | undefined, tls: EtcdTls | undefined, logger: Logger,
): { store?: CoordinationStore; own?: string; problem?: string } {
  const endpoints = etcdEndpointsOf(topology, override);
  if (endpoints.length === 0) return {};
  try {
    const store = new EtcdStore({ endpoints, log: logger.child({ component: 'coord' }), ...(tls ? { tls } : {}) });
    const own = topology.regions.find((r) => r.name === region)?.etcd?.client;
    return { store, ...(own && endpoints.includes(own) ? { own } : {}) };
  } catch (err) {
    return { problem: `traffic controls unavailable: ${describeError(err)}` };
  }
}

const etcdEndpointsOf = (topology: Topology, override: readonly string[] | undefined): readonly string[] =>
  override ?? topology.regions.flatMap((r) => (r.etcd ? [r.etcd.client] : []));

/**
 * Reads the etcd TLS directory now, and checks it against the endpoints: unusable files, or
 * certificates with http:// endpoints (or https:// ones without certificates), stop the start with
 * one line. Not a soft "traffic controls unavailable": the store supervisor builds its own client
 * when this one is missing, and that must never be a plaintext fallback.
 */
function etcdTlsOf(dir: string | undefined, topology: Topology, override: readonly string[] | undefined, logger: Logger): EtcdTls | undefined {
  const endpoints = etcdEndpointsOf(topology, override);
  const tls = dir !== undefined ? loadEtcdTls(dir) : undefined;
  if (endpoints.length === 0) {
    if (tls) logger.warn({ event: 'etcdTls.unused', dir }, 'etcd certificates given but the topology has no etcd members: not used');
    return undefined;
  }
  checkEtcdEndpoints(endpoints, tls !== undefined);
  if (tls) logger.info({ event: 'etcdTls.loaded', dir, user: tls.user ?? null }, `etcd over TLS with the client certificate in ${dir} (CN ${tls.user ?? 'none'}: the etcd user when etcd's auth is on)`);
  return tls;
}

/**
 * Tokens on a plaintext API that is not on loopback cross the network in clear: anyone on the path
 * can read one and act with it. A warning, not a refusal: a proxy in front may terminate TLS
 * (`--api`), and a closed network may be the operator's choice; docs/security.md says so.
 */
function warnPlaintextApi(api: ListenAddress, tls: boolean, tokens: boolean, listenElsewhere: boolean, logger: Logger): void {
  if (tls || !tokens || isLoopback(api.host)) return;
  logger.warn(
    { event: 'api.plaintext', api, behindProxy: listenElsewhere },
    `the API on ${api.host}:${api.port} is plain http and accepts bearer tokens: they cross the network in clear${listenElsewhere ? ' unless a proxy in front terminates TLS' : ''}; serve it with --api-tls DIR and an https:// agent.api (docs/security.md)`,
  );
}

const isLoopback = (host: string) => host === '::1' || host.startsWith('127.');

/** Reads the tokens file now: a missing or invalid one stops the start (InputError), with the file and entry. */
function accessControl(tokensFile: string | undefined, logger: Logger): AccessControl {
  if (tokensFile === undefined) {
    logger.warn({ event: 'auth.unconfigured' }, 'no tokens file (--tokens): the API serves reads to loopback clients only and refuses every operator action (docs/security.md)');
    return new AccessControl(undefined, logger);
  }
  let tokens: TokensFile;
  try {
    tokens = new TokensFile(tokensFile, logger);
  } catch (err) {
    throw new InputError(`tokens file: ${describeError(err)}`, { cause: err });
  }
  logger.info({ event: 'auth.configured', file: tokensFile, entries: tokens.entries().length }, `tokens file ${tokensFile}: ${tokens.entries().length} entries`);
  return new AccessControl(tokens, logger);
}

async function startDns(
  plan: AgentPlan, table: () => AnswerTable, logger: Logger, onQuery: DnsServerOptions['onQuery'], rateLimit: DnsServerOptions['rateLimit'],
): Promise<DnsServer> {
  const udpTransport = chooseUdpTransport({ logger }).factory; // logs which one, and why
  try {
    // TCP limits are the defaults of gslb/tcp.ts (docs/security.md "Limits").
    return await startDnsServer({ host: plan.dns.host, port: plan.dns.port, table, logger, onQuery, udpTransport, ...(rateLimit ? { rateLimit } : {}) });
  } catch (err) {
    throw explainBindError('DNS', plan.dns, err);
  }
}

function logVantageTransition(logger: Logger, vantage: string, t: EndpointTransition): void {
  const probe = t.result.kind === 'ok' ? { latencyMs: t.result.latencyMs } : { reason: t.result.reason, latencyMs: t.result.latencyMs };
  logger.info(
    { event: 'health.transition', scope: 'vantage', vantage, endpoint: t.ref, key: t.key, from: t.from, to: t.to, probe },
    `${t.key} ${t.from} -> ${t.to} (seen from ${vantage})`,
  );
}

function logRoutedTransitions(logger: Logger, vantage: string, before: HealthSnapshot, after: HealthSnapshot): void {
  for (const v of routingChanges(before, after)) {
    const to = v.up ? 'up' : 'down';
    logger.info(
      { event: 'health.transition', scope: 'routed', vantage, endpoint: v.ref, from: v.up ? 'down' : 'up', to, downVotes: v.downVotes, voters: v.voters },
      `${v.ref.service}/${v.ref.region}/${v.ref.address} routed ${to} (${v.downVotes.length}/${v.voters.length} vantage points see it down)`,
    );
  }
}

function compact(answers: readonly ServiceAnswers[]) {
  return answers.map((s) => ({ service: s.service, answers: s.answers.map((a) => ({ clientNetwork: a.clientNetwork, regions: a.regions, addresses: a.addresses, failOpen: a.failOpen })) }));
}
