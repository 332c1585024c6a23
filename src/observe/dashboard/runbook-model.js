/*
 * The dashboard's runbook model: what the Runbook panel shows, as plain data computed from the
 * agents' /status readings (`stores.stores[]`: lastPlan, lastRunbook, runningRunbook). No DOM and
 * no clock (`nowMs` is an argument), so the unit tests import this file as it is, and page.ts
 * inlines the same text into the page (dropping the `export` keywords; nothing is imported).
 * Types: runbook-model.d.ts.
 */

/** The audit's records that open and close an execution (src/failover/audit.ts RUNBOOK_STEP_ID). */
const RUNBOOK_RECORD = 'runbook';
const ENDED = new Set(['ok', 'failed', 'skipped']);

function msOf(iso) {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The audit records of one execution (a `started` and an end record per step, plus the `runbook`
 * records around them) folded into one row per step, in the order the steps started. A step
 * with no end record is `running` while the runbook runs and `interrupted` once it ended; steps
 * the plan names that have not started yet are `pending`.
 */
export function foldRunbookSteps(records, options) {
  const { running, planned = [], nowMs, unknown = false } = options;
  const byId = new Map();
  for (const r of records) {
    if (r.stepId === RUNBOOK_RECORD) continue;
    const row = byId.get(r.stepId) || { stepId: r.stepId, kind: r.kind, state: 'running', startedAtMs: msOf(r.startedAt), endedAtMs: null, tookMs: null, detail: '' };
    if (ENDED.has(r.result)) {
      row.state = r.result;
      row.endedAtMs = msOf(r.endedAt);
    }
    row.detail = r.detail || row.detail;
    byId.set(r.stepId, row);
  }
  const rows = [...byId.values()];
  for (const row of rows) {
    if (row.state === 'running' && !running) row.state = 'interrupted';
    const end = row.state === 'running' ? nowMs : row.endedAtMs;
    if (row.state === 'running' && unknown) row.state = 'unknown';
    row.tookMs = row.startedAtMs !== null && end !== null ? Math.max(0, end - row.startedAtMs) : null;
  }
  if (running) {
    for (const stepId of planned) if (!byId.has(stepId)) rows.push({ stepId, kind: null, state: 'pending', startedAtMs: null, endedAtMs: null, tookMs: null, detail: '' });
  }
  return rows;
}

/** When the execution opened and closed, from its `runbook` records (else from its steps). */
function executionSpan(runbook) {
  const marks = runbook.steps.filter((s) => s.stepId === RUNBOOK_RECORD);
  const opened = marks.map((s) => msOf(s.startedAt)).find((ms) => ms !== null);
  const closed = marks.map((s) => msOf(s.endedAt)).find((ms) => ms !== null);
  const starts = runbook.steps.map((s) => msOf(s.startedAt)).filter((ms) => ms !== null);
  const ends = runbook.steps.map((s) => msOf(s.endedAt)).filter((ms) => ms !== null);
  return {
    startedAtMs: opened ?? (starts.length > 0 ? Math.min(...starts) : null),
    endedAtMs: closed ?? (ends.length > 0 ? Math.max(...ends) : null),
  };
}

/**
 * `lostSinceMs`: the runbook was last seen running on an agent that stopped answering then: it
 * may still run, or have ended; the page cannot tell, and says so (outcome `unknown`, the open
 * step `unknown`, times frozen at that moment) rather than show an older runbook as the latest.
 */
function runbookView(runbook, agent, plan, nowMs, lostSinceMs = null) {
  const unknown = lostSinceMs !== null;
  const running = runbook.outcome === 'running' && !unknown;
  const open = running || unknown;
  const openUntilMs = unknown ? lostSinceMs : nowMs;
  const planned = plan && plan.runbookId === runbook.runbookId && Array.isArray(plan.steps) ? plan.steps : [];
  const steps = foldRunbookSteps(runbook.steps, { running: open, planned, nowMs: openUntilMs, unknown });
  const span = executionSpan(runbook);
  const current = open ? steps.find((s) => s.state === (unknown ? 'unknown' : 'running')) || null : null;
  const endedAtMs = open ? null : span.endedAtMs;
  const end = open ? openUntilMs : endedAtMs;
  return {
    runbookId: runbook.runbookId,
    kind: runbook.kind,
    summary: runbook.summary,
    outcome: unknown ? 'unknown' : runbook.outcome,
    detail: unknown
      ? `${agent} stopped answering while it ran this runbook: it may still be running, or have ended. The audit in etcd is the record (meridian events, meridian db status).`
      : runbook.detail || null,
    coordinator: agent,
    startedAtMs: span.startedAtMs,
    endedAtMs,
    tookMs: span.startedAtMs === null || end === null ? null : Math.max(0, end - span.startedAtMs),
    steps,
    current,
    done: steps.filter((s) => s.state === 'ok' || s.state === 'skipped').length,
    ...(unknown ? { lostSinceMs } : {}),
  };
}

/** Newest first: a running runbook by its last record, an ended one by its end. */
function byRecency(x, y) {
  const last = (v) => Math.max(v.startedAtMs ?? 0, v.endedAtMs ?? 0, ...v.steps.map((s) => s.endedAtMs ?? s.startedAtMs ?? 0));
  return last(y) - last(x);
}

function storesOf(reading) {
  const stores = reading.status && reading.status.stores;
  return stores && stores.supervised && Array.isArray(stores.stores) ? stores.stores : [];
}

/**
 * One panel per store that has something to show: the runbook running now (from the agent
 * executing it; the current elected coordinator first if two say so), else the most recent one
 * that ended, and the current coordinator's last plan when it did not run (blocked, waiting,
 * unavailable). `alsoRunning` names other agents reporting a running runbook for the store: at
 * most one should (fencing tokens protect the data, but an operator must see it).
 * `lost` are the last readings of agents that stopped answering (with `lostSinceMs`): a runbook one
 * of them was running, newer than anything the answering agents report, is shown as `unknown`.
 */
export function runbookPanels(readings, nowMs, lost = []) {
  const byStore = new Map();
  for (const reading of readings) {
    for (const s of storesOf(reading)) {
      let entry = byStore.get(s.store);
      if (!entry) byStore.set(s.store, (entry = { running: [], ended: [], plan: null, planBy: null }));
      if (s.coordinator && s.coordinator.self && s.lastPlan) {
        entry.plan = s.lastPlan;
        entry.planBy = reading.region;
      }
      if (s.runningRunbook) entry.running.push({ reading, s });
      if (s.lastRunbook) entry.ended.push({ reading, s });
    }
  }
  const panels = [];
  for (const [store, entry] of [...byStore.entries()].sort((x, y) => x[0].localeCompare(y[0]))) {
    const running = entry.running
      .map(({ reading, s }) => ({ self: !!(s.coordinator && s.coordinator.self), view: runbookView(s.runningRunbook, reading.region, s.lastPlan, nowMs) }))
      .sort((x, y) => Number(y.self) - Number(x.self) || byRecency(x.view, y.view));
    const ended = entry.ended.map(({ reading, s }) => runbookView(s.lastRunbook, reading.region, null, nowMs)).sort(byRecency);
    const vanished = running.length > 0 ? null : lastSeenRunning(lost, store, nowMs);
    const newest = ended[0] || null;
    const showVanished = vanished !== null && (newest === null || byRecency(vanished, newest) < 0);
    const runbook = running.length > 0 ? running[0].view : showVanished ? vanished : newest;
    // The plan that started the runbook shown says nothing more than the runbook itself.
    const plan = entry.plan && entry.plan.kind !== 'noop' && !(runbook && entry.plan.runbookId === runbook.runbookId)
      ? { at: entry.plan.at, kind: entry.plan.kind, reason: entry.plan.reason, notExecuted: entry.plan.notExecuted || null, by: entry.planBy }
      : null;
    if (!runbook && !plan) continue;
    panels.push({
      store,
      state: running.length > 0 ? 'running' : showVanished ? 'unknown' : runbook ? 'ended' : 'idle',
      runbook,
      plan,
      alsoRunning: running.slice(1).map((r) => r.view.coordinator),
    });
  }
  return panels;
}

/** The newest runbook that an agent no longer answering was running for `store`, as a view; else null. */
function lastSeenRunning(lost, store, nowMs) {
  const views = [];
  for (const reading of lost) {
    for (const s of storesOf(reading)) {
      if (s.store === store && s.runningRunbook) views.push(runbookView(s.runningRunbook, reading.region, s.lastPlan, nowMs, reading.lostSinceMs));
    }
  }
  return views.sort(byRecency)[0] || null;
}

/** `2/5 steps`, for a one-line summary (header pill, titles). */
export function runbookProgressText(runbook) {
  const total = runbook.steps.length;
  return `${runbook.done}/${total} step${total === 1 ? '' : 's'}`;
}
