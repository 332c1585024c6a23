/*
 * The dashboard's Operator actions panel: the traffic controls in force, drain/undrain per region
 * and switchover per store, each behind a confirmation dialog. The model and the requests are
 * plain data (the unit tests import this file as it is); the DOM part runs only in the page,
 * which inlines this file before client.js (page.ts drops the `export` keywords). Types:
 * operator-actions.d.ts.
 *
 * The page POSTs to its own agent only (same origin: connect-src 'self'), with a JSON body, as
 * the request guard requires (docs/security.md). Any agent serves a traffic request; a
 * switchover is served by the failover coordinator, so it is offered only on the coordinator's
 * own dashboard, and the others link to it.
 */

/* global document, window, fetch, Option */

/** Who confirmed, remembered in this browser only: the agents record it as `<name> (dashboard)`. */
const OPERATOR_KEY = 'meridian.operator';
/**
 * The API token the operator typed, for this tab only (sessionStorage: gone when the tab closes,
 * never sent by the browser on its own). Every request of the page sends it as a bearer header,
 * and the agent accepts no cookie, so another site cannot make the browser act with it (no CSRF).
 */
const TOKEN_KEY = 'meridian.token';

/** `authorization: Bearer …` with this tab's token, or nothing (the agent then answers 401). */
export function authHeaders(storage) {
  const token = storage && storage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Keeps (or, with an empty value, forgets) this tab's token. */
export function rememberToken(storage, token) {
  if (token) storage.setItem(TOKEN_KEY, token);
  else storage.removeItem(TOKEN_KEY);
}

/** What the panel shows, from the fresh readings (`{ region, origin, status }`) and this page's region. */
export function operatorModel(fresh, selfRegion) {
  const self = fresh.find((a) => a.region === selfRegion) || null;
  const traffic = newestTraffic(fresh);
  const services = [...new Set(fresh.flatMap((a) => (a.status.answers || []).map((s) => s.service)))].sort();
  const regions = [...new Set(fresh.flatMap((a) => (a.status.services || []).flatMap((s) => s.regions.map((r) => r.region))))].sort();
  const drains = traffic ? traffic.controls.drains : [];
  return {
    traffic: traffic ? { revision: traffic.revision, readBy: traffic.region, drains, weights: traffic.controls.weights } : null,
    trafficReason: traffic ? null : (fresh.map((a) => a.status.traffic && a.status.traffic.reason).find(Boolean) || 'no agent reports traffic controls'),
    services,
    regions: regions.map((region) => ({ region, drainedForAll: drains.some((d) => d.region === region && !d.service) })),
    stores: storeActions(self, fresh),
  };
}

/** The agent reading with the newest revision of the controls (every agent reads the same document). */
function newestTraffic(fresh) {
  const read = fresh
    .map((a) => ({ region: a.region, t: a.status.traffic }))
    .filter((x) => x.t && x.t.source === 'etcd' && x.t.revision !== null);
  read.sort((x, y) => Number(BigInt(y.t.revision) - BigInt(x.t.revision)));
  return read.length > 0 ? { region: read[0].region, revision: read[0].t.revision, controls: read[0].t.controls } : null;
}

/** Per store: its primary, and either switchover targets (the standbys streaming) or who can run it. */
function storeActions(self, fresh) {
  const stores = (self && self.status.stores && self.status.stores.stores) || [];
  return stores.filter((s) => s.supervised).map((s) => {
    const coordinator = s.coordinator.self ? selfRegionOf(self) : s.coordinator.holder;
    const origin = coordinator ? (fresh.find((a) => a.region === coordinator) || {}).origin || null : null;
    const targets = s.coordinator.self ? (s.replication || []).filter((r) => r.state === 'streaming').map((r) => r.region) : [];
    return { store: s.store, primary: s.primary ? s.primary.region : null, coordinator, here: s.coordinator.self, coordinatorOrigin: origin, targets };
  });
}

function selfRegionOf(self) {
  return self ? self.region : null;
}

/** The request an action sends: path and JSON body, as the agent's routes take them. */
export function actionRequest(action, who, reason, force) {
  const by = `${who} (dashboard)`;
  if (action.kind === 'switchover') return { path: `/v1/stores/${encodeURIComponent(action.store)}/switchover`, body: { to: action.to, by } };
  const scope = { region: action.region, ...(action.service ? { service: action.service } : {}) };
  if (action.kind === 'undrain') return { path: '/v1/traffic/undrain', body: { ...scope, by } };
  return { path: '/v1/traffic/drain', body: { ...scope, by, ...(reason ? { reason } : {}), ...(force ? { force: true } : {}) } };
}

/** One line from the agent's answer, and whether a safety rule refused it (then Force is offered). */
export function outcomeText(status, body) {
  const text = (body && (body.detail || body.reason || body.error)) || `status ${status}`;
  const outcome = (body && body.outcome) || (status === 200 ? 'done' : 'error');
  return { ok: status === 200, refused: outcome === 'refused', text: `${outcome}: ${text}` };
}

// ---- in the page only ---------------------------------------------------------------------

/** The last answer an action got, shown under the panel (which is rebuilt every second). */
let lastAction = '';

/** Changes when the panel must be drawn again: rebuilding it every second would swallow clicks. */
export function operatorPanelKey(model) {
  return JSON.stringify(model) + lastAction;
}

/** The panel's content; `h` is the client's element builder. */
export function renderOperatorActions(model, h) {
  const button = (attrs, text, action) => {
    const b = h('button', { type: 'button', ...attrs }, text);
    b.addEventListener('click', () => confirmAction(action, model));
    return b;
  };
  const parts = [];
  if (model.traffic) {
    const drains = model.traffic.drains.map((d) => h('li', { 'data-drain': `${d.region}/${d.service || '*'}` },
      `${d.region} drained ${d.service ? `for ${d.service}` : 'for every service'} by ${d.by}${d.reason ? ` (${d.reason})` : ''}${d.forced ? ', FORCED' : ''} since ${d.at} `,
      button({ 'data-action': 'undrain' }, 'Undrain…', { kind: 'undrain', region: d.region, service: d.service })));
    const weights = model.traffic.weights.map((w) => h('li', { 'data-weight': `${w.service}/${w.region}` },
      `${w.service}/${w.region} weight ${w.weight} by ${w.by}${w.forced ? ', FORCED' : ''} since ${w.at} (undo: meridian traffic weight --service ${w.service} --region ${w.region} --reset)`));
    parts.push(
      h('div', { class: 'small muted' }, `traffic controls at etcd revision ${model.traffic.revision}, as read by ${model.traffic.readBy}`),
      drains.length + weights.length > 0 ? h('ul', { class: 'controls' }, drains, weights) : h('div', { class: 'small' }, 'no drain or weight override in force'),
      h('div', { class: 'region-actions' }, model.regions.map((r) => (r.drainedForAll
        ? button({ 'data-action': 'undrain', 'data-region': r.region }, `Undrain ${r.region}…`, { kind: 'undrain', region: r.region })
        : button({ 'data-action': 'drain', 'data-region': r.region }, `Drain ${r.region}…`, { kind: 'drain', region: r.region })))),
    );
  } else {
    parts.push(h('div', { class: 'small muted' }, `Traffic controls unavailable: ${model.trafficReason}.`));
  }
  for (const s of model.stores) parts.push(storeActionsLine(s, h, button));
  if (lastAction) parts.push(h('div', { class: 'small', 'data-last-action': '' }, `last action: ${lastAction}`));
  return parts;
}

function storeActionsLine(s, h, button) {
  if (!s.here) {
    const where = s.coordinatorOrigin ? h('a', { href: `${s.coordinatorOrigin}/` }, `${s.coordinator}'s dashboard`) : "the coordinator's dashboard (none elected now)";
    return h('div', { class: 'small', 'data-store-actions': s.store }, `${s.store}: a switchover is run by the failover coordinator; open `, where);
  }
  const buttons = s.targets.map((to) => button({ 'data-action': 'switchover', 'data-to': to }, `Switch over to ${to}…`, { kind: 'switchover', store: s.store, to }));
  return h('div', { class: 'small', 'data-store-actions': s.store }, `${s.store} (primary ${s.primary || 'none'}): `, buttons.length > 0 ? buttons : 'no standby streaming to switch over to');
}

const DESCRIBE = {
  drain: (a) => `Take ${a.region} out of the DNS answers of the chosen service while it stays healthy. Every agent applies it within a probe interval; the safety rules refuse it if a service would be left with too few healthy regions.`,
  undrain: (a) => `Put ${a.region} back in the DNS answers${a.service ? ` of ${a.service}` : ''} while it is healthy.`,
  switchover: (a) => `Planned switchover of ${a.store} to ${a.to}: writes pause, the primary is demoted, ${a.to} is promoted; no acknowledged write is lost. The Runbook panel follows it step by step.`,
};

/** Opens the confirmation dialog for `action`; nothing is sent until the operator confirms. */
export function confirmAction(action, model) {
  const dialog = document.getElementById('confirm');
  const $ = (id) => document.getElementById(id);
  $('confirm-title').textContent = action.kind === 'switchover' ? `Switch ${action.store} over to ${action.to}?` : `${action.kind === 'drain' ? 'Drain' : 'Undrain'} ${action.region}?`;
  $('confirm-text').textContent = DESCRIBE[action.kind](action);
  $('confirm-who').value = window.localStorage.getItem(OPERATOR_KEY) || '';
  $('confirm-reason').value = '';
  $('confirm-reason-row').hidden = action.kind !== 'drain';
  $('confirm-service-row').hidden = action.kind !== 'drain';
  $('confirm-service').replaceChildren(new Option('every service', ''), ...model.services.map((s) => new Option(s, s)));
  $('confirm-result').textContent = '';
  $('confirm-force').hidden = true;
  const send = async (force) => {
    const who = $('confirm-who').value.trim();
    if (!who) return void ($('confirm-result').textContent = 'Your name is recorded with the action: please give it.');
    window.localStorage.setItem(OPERATOR_KEY, who);
    const chosen = action.kind === 'drain' ? { ...action, ...($('confirm-service').value ? { service: $('confirm-service').value } : {}) } : action;
    const { path, body } = actionRequest(chosen, who, $('confirm-reason').value.trim(), force);
    $('confirm-result').textContent = 'sending…';
    let result;
    try {
      const res = await fetch(path, { method: 'POST', headers: { ...authHeaders(window.sessionStorage), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      result = outcomeText(res.status, await res.json().catch(() => ({})));
    } catch (err) {
      result = { ok: false, refused: false, text: `error: ${String((err && err.message) || err)}` };
    }
    $('confirm-result').textContent = result.text;
    lastAction = result.text;
    $('confirm-force').hidden = !result.refused;
    if (result.ok) dialog.close();
  };
  $('confirm-ok').onclick = () => void send(false);
  $('confirm-force').onclick = () => void send(true);
  $('confirm-cancel').onclick = () => dialog.close();
  dialog.showModal();
}
