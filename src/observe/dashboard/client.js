/*
 * Meridian dashboard client: plain browser JavaScript, inlined into the page by page.ts (no build
 * step, no CDN). It follows its own agent over server-sent events (/v1/stream) and reads every
 * other agent through it (/v1/regions: status and new events), so the page served by any
 * surviving region shows the whole picture while reading its own origin only (no CORS, see
 * docs/security.md). An agent that stops answering is shown as unreachable and its opinion stops
 * counting after STALE_MS. When this page's own agent stops answering, so does everything else:
 * the agents list links to the other agents' dashboards.
 */
/*
 * Every read but the page itself needs a viewer token (docs/security.md): the operator pastes one
 * in the header; it is kept in sessionStorage and sent as `authorization: Bearer`, on the stream
 * too (read with fetch: EventSource cannot send a header).
 */
/* global document, window, location, fetch, AbortController, AbortSignal, TextDecoderStream, URL, Node, runbookPanels, runbookProgressText, operatorModel, operatorPanelKey, renderOperatorActions, authHeaders, rememberToken */
'use strict';
(function main() {
  const POLL_MS = 1000;
  const STALE_MS = 3500;
  const FETCH_TIMEOUT_MS = 1500;
  const MAX_EVENTS = 3000;
  const SHOWN_EVENTS = 300;
  const PALETTE = ['#4e79a7', '#f28e2b', '#76b7b2', '#59a14f', '#b07aa1', '#edc948', '#9c755f', '#ff9da7', '#86bcb6', '#bab0ac'];

  /** region -> { region, origin, status, okAtMs, viaStream, error, failingSinceMs, boot, lastSeq } */
  const agents = new Map();
  /** `${region}/${boot}/${seq}` -> timeline event */
  const events = new Map();
  let selfRegion = null;
  let streamState = 'connecting';
  let renderPending = false;
  let actionsKey = '';

  const now = () => Date.now();
  const isFresh = (a) => a.status && now() - a.okAtMs <= STALE_MS;

  /** `origin` is shown, never fetched: the page reads its own agent only. */
  function agentEntry(region, origin) {
    let a = agents.get(region);
    if (!a) agents.set(region, (a = { region, origin, status: null, okAtMs: 0, viaStream: false, error: null, failingSinceMs: null, boot: null, lastSeq: 0 }));
    if (origin && !a.origin) a.origin = origin;
    return a;
  }

  function onStatus(status, origin, viaStream, ageMs = 0) {
    const a = agentEntry(status.region, origin);
    a.status = status;
    a.okAtMs = now() - ageMs;
    a.viaStream = viaStream;
    a.error = null;
    a.failingSinceMs = null;
    for (const p of status.peers || []) {
      try {
        agentEntry(p.region, new URL(p.viewUrl).origin);
      } catch {
        agentEntry(p.region, null);
      }
    }
    schedule();
  }

  function onFailure(a, error) {
    a.error = error;
    if (a.failingSinceMs === null) a.failingSinceMs = now();
    schedule();
  }

  function addEvents(list) {
    for (const e of list) events.set(`${e.region}/${e.boot}/${e.seq}`, e);
    if (events.size > MAX_EVENTS) {
      const oldest = [...events.entries()].sort((x, y) => x[1].atMs - y[1].atMs).slice(0, events.size - MAX_EVENTS);
      for (const [id] of oldest) events.delete(id);
    }
    schedule();
  }

  const ON_STREAM = {
    hello: (data) => {
      const hello = JSON.parse(data);
      selfRegion = hello.region;
      const a = agentEntry(hello.region, location.origin);
      a.boot = hello.boot;
    },
    status: (data) => {
      streamState = 'live';
      const status = JSON.parse(data);
      selfRegion = status.region;
      onStatus(status, location.origin, true);
    },
    timeline: (data) => {
      const e = JSON.parse(data);
      const a = agentEntry(e.region, location.origin);
      a.boot = e.boot;
      a.lastSeq = Math.max(a.lastSeq, e.seq);
      addEvents([e]);
    },
  };
  let streamAbort = new AbortController();
  let authProblem = null;

  /** Server-sent events over fetch (so the stream carries the token), reconnecting after a second. */
  async function connectStream() {
    for (;;) {
      try {
        const res = await fetch('/v1/stream', { headers: authHeaders(window.sessionStorage), cache: 'no-store', signal: streamAbort.signal });
        if (!res.ok) throw await answerError(res);
        streamState = 'live';
        schedule();
        await readEvents(res.body.pipeThrough(new TextDecoderStream()).getReader());
      } catch (err) {
        if (err && err.auth) authProblem = err.message;
      }
      streamState = authProblem ? 'sign in' : 'reconnecting';
      schedule();
      await new Promise((r) => window.setTimeout(r, 1000));
    }
  }

  async function readEvents(reader) {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
        dispatch(buffer.slice(0, at));
        buffer = buffer.slice(at + 2);
      }
    }
  }

  function dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (ON_STREAM[event] && data.length > 0) ON_STREAM[event](data.join('\n'));
  }

  /** The agent's one-line error; a 401 or 403 names the role needed. */
  async function answerError(res) {
    const body = await res.json().catch(() => ({}));
    const err = new Error(body.error || `status ${res.status}`);
    err.auth = res.status === 401 || res.status === 403;
    return err;
  }

  async function getJson(path) {
    const res = await fetch(path, { cache: 'no-store', headers: authHeaders(window.sessionStorage), signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw await answerError(res);
    authProblem = null;
    return res.json();
  }

  /** The token field in the header: kept for this tab; the stream starts again with it. */
  function setUpSignIn() {
    const field = document.getElementById('token');
    const apply = () => {
      rememberToken(window.sessionStorage, field.value.trim());
      field.value = '';
      authProblem = null;
      streamAbort.abort();
      streamAbort = new AbortController();
      schedule();
    };
    document.getElementById('token-save').onclick = apply;
    field.onkeydown = (e) => { if (e.key === 'Enter') apply(); };
    document.getElementById('token-clear').onclick = () => { field.value = ''; apply(); };
  }

  const describe = (err) => (err && err.name === 'TimeoutError' ? 'timeout' : String((err && err.message) || err));

  /** Runs `once` every POLL_MS after its last answer or timeout. */
  async function every(once) {
    for (;;) {
      await once();
      await new Promise((r) => window.setTimeout(r, POLL_MS));
    }
  }

  /** This page's agent, polled while its stream does not keep it fresh. */
  async function pollSelf() {
    const a = selfRegion && agents.get(selfRegion);
    if (a && a.viaStream && isFresh(a)) return;
    try {
      const status = await getJson('/status');
      onStatus(status, location.origin, false);
      const self = agents.get(status.region);
      let page = await getJson(`/v1/events?since=${self.lastSeq}`);
      if (page.boot !== self.boot && self.lastSeq > 0) page = await getJson('/v1/events?since=0');
      self.boot = page.boot;
      self.lastSeq = page.lastSeq;
      addEvents(page.events);
    } catch (err) {
      if (err && err.auth) authProblem = err.message;
      if (a) onFailure(a, describe(err));
    }
  }

  /**
   * The other agents, as this page's agent reads them (GET /v1/regions): it answers within a
   * fraction of a second even when one of them hangs, which then turns unreachable.
   */
  async function pollOthers() {
    const since = [...agents.values()].filter((a) => a.region !== selfRegion && a.boot).map((a) => `since=${encodeURIComponent(`${a.region}:${a.boot}:${a.lastSeq}`)}`);
    try {
      const doc = await getJson(`/v1/regions${since.length > 0 ? `?${since.join('&')}` : ''}`);
      for (const r of doc.agents) {
        if (!r.reachable) {
          onFailure(agentEntry(r.region, r.api), r.error);
          continue;
        }
        onStatus(r.status, r.api, false, r.ageMs);
        const a = agentEntry(r.region, r.api);
        a.boot = r.timeline.boot;
        a.lastSeq = r.timeline.lastSeq;
        addEvents(r.timeline.events);
      }
    } catch (err) {
      // This page's agent does not answer: the others cannot be read either.
      for (const a of agents.values()) if (a.region !== selfRegion) onFailure(a, `not read: ${describe(err)} from this page's agent`);
    }
  }

  // ---- the picture: pure functions of the readings and events ------------------------------

  function readings() {
    return [...agents.values()].filter(isFresh).sort((x, y) => x.region.localeCompare(y.region));
  }

  /** Agents that answered once and stopped: their last status, and when it was read. */
  function lostReadings() {
    return [...agents.values()]
      .filter((a) => !isFresh(a) && a.status)
      .map((a) => ({ region: a.region, status: a.status, lostSinceMs: a.okAtMs }));
  }

  function allRegions() {
    const names = new Set(agents.keys());
    for (const a of agents.values()) for (const s of (a.status && a.status.services) || []) for (const r of s.regions) names.add(r.region);
    return [...names].sort();
  }

  function endpointsOf(status, service, region) {
    const s = (status.services || []).find((x) => x.service === service);
    const r = s && s.regions.find((x) => x.region === region);
    return (r && r.endpoints) || [];
  }

  function servicesIn(region, fresh) {
    const names = new Set();
    for (const a of fresh) for (const s of a.status.services || []) if (s.regions.some((r) => r.region === region && r.endpoints.length > 0)) names.add(s.service);
    return [...names].sort();
  }

  /** Newest event matching `pred`. */
  function latestEvent(pred) {
    let best = null;
    for (const e of events.values()) if (pred(e) && (!best || e.atMs > best.atMs)) best = e;
    return best;
  }

  /** Since when vantage `v` sees `state` for one of `keys` (from its own transition events). */
  function vantageSince(v, keys, state) {
    const e = latestEvent((x) => x.kind === 'health.transition' && x.details.scope === 'vantage' && x.details.vantage === v && keys.includes(x.details.key) && x.details.to === state);
    return e ? e.atMs : null;
  }

  function summarize(states) {
    if (states.length === 0) return { text: '-', cls: 'unknown' };
    const counts = {};
    for (const s of states) counts[s] = (counts[s] || 0) + 1;
    const kinds = Object.keys(counts).sort();
    if (kinds.length === 1) return { text: kinds[0], cls: kinds[0] };
    return { text: kinds.map((k) => `${counts[k]} ${k}`).join(', '), cls: 'mixed' };
  }

  /** One vantage point's states of a region's endpoints of a service: from its own agent when fresh, else from a peer's copy of its view. */
  function vantageCell(v, service, region, fresh) {
    const own = fresh.find((a) => a.region === v);
    const sources = own ? [own] : fresh;
    for (const a of sources) {
      const eps = endpointsOf(a.status, service, region);
      const cells = eps.map((e) => e.vantages && e.vantages[v]).filter((c) => c && (own || c.fresh));
      if (cells.length === eps.length && cells.length > 0) {
        const keys = eps.map((e) => `${service}/${region}/${e.address}`);
        const sum = summarize(cells.map((c) => c.state));
        const since = sum.cls === 'up' || sum.cls === 'down' ? vantageSince(v, keys, sum.cls) : null;
        return { ...sum, since, via: own ? null : a.region };
      }
    }
    return { text: 'no fresh view', cls: 'unknown', since: null, via: null };
  }

  /** Routed verdict per endpoint by the majority of the agents this browser reaches. */
  function regionPicture(region, fresh) {
    const services = servicesIn(region, fresh);
    const why = [];
    let total = 0;
    let drained = 0;
    let suspect = false;
    for (const service of services) {
      const addresses = [...new Set(fresh.flatMap((a) => endpointsOf(a.status, service, region).map((e) => e.address)))].sort();
      let serviceDrained = 0;
      const downBy = new Set();
      const reasons = new Set();
      for (const address of addresses) {
        total++;
        const verdicts = fresh.map((a) => ({ a, e: endpointsOf(a.status, service, region).find((x) => x.address === address) })).filter((x) => x.e);
        const down = verdicts.filter((x) => x.e.routed === 'down');
        for (const x of verdicts) {
          for (const [v, c] of Object.entries(x.e.vantages || {})) if (c.state === 'down' && c.fresh) downBy.add(v);
          if (x.e.lastProbe && x.e.lastProbe.kind === 'failed') reasons.add(x.e.lastProbe.reason);
        }
        if (down.length * 2 > verdicts.length) { drained++; serviceDrained++; }
      }
      if (downBy.size > 0) suspect = true;
      if (serviceDrained > 0 || downBy.size > 0) {
        const keys = addresses.map((a) => `${service}/${region}/${a}`);
        const routedDown = latestEvent((e) => e.kind === 'health.transition' && e.details.scope === 'routed' && keys.includes(e.details.key) && e.details.to === 'down');
        const sinceMs = routedDown ? routedDown.atMs : null;
        const what = serviceDrained === addresses.length ? 'drained from DNS' : serviceDrained > 0 ? `${serviceDrained} of ${addresses.length} endpoints drained` : 'still routed (no majority)';
        why.push(`${service}: ${what}; seen down from ${[...downBy].sort().join(', ') || 'nobody'}` +
          (serviceDrained > 0 && sinceMs ? ` since ${fmtTime(sinceMs)} (${ago(sinceMs)})` : '') +
          (reasons.size > 0 ? ` - probe: ${[...reasons].join(', ')}` : ''));
      }
    }
    const agent = agents.get(region);
    const agentDown = agent && !isFresh(agent);
    // This page's agent is read by the browser; the others by that agent.
    const from = region === selfRegion || !selfRegion ? 'this browser' : `${selfRegion}, this page's agent`;
    if (agentDown) why.push(`agent ${region} unreachable from ${from}${agent.error ? ` (${agent.error})` : ''}${agent.failingSinceMs ? ` since ${fmtTime(agent.failingSinceMs)}` : ''}`);
    const peersLost = fresh.filter((a) => a.region !== region && (a.status.peers || []).some((p) => p.region === region && p.reachability === 'unreachable')).map((a) => a.region);
    if (peersLost.length > 0) why.push(`agent ${region} unreachable from ${peersLost.join(', ')}`);
    let state = 'up';
    if (fresh.length === 0 || total === 0) state = 'unknown';
    else if (drained === total) state = 'down';
    else if (drained > 0 || suspect || agentDown || peersLost.length > 0) state = 'degraded';
    return { state, services, why };
  }

  function primaryReading(fresh) {
    return fresh.find((a) => a.region === selfRegion) || fresh[0] || null;
  }

  function sharesOf(answer, status, service) {
    if (answer.weights) {
      const total = Object.values(answer.weights).reduce((s, w) => s + w, 0);
      return Object.entries(answer.weights).map(([r, w]) => [r, total > 0 ? w / total : 0]);
    }
    // Same rule as src/observe/shares.ts: clients pick one of the answered addresses at random.
    const regionOf = new Map();
    const s = (status.services || []).find((x) => x.service === service);
    for (const r of (s && s.regions) || []) for (const e of r.endpoints) regionOf.set(e.address, r.region);
    const counts = new Map(answer.regions.map((r) => [r, 0]));
    for (const addr of answer.addresses) { const r = regionOf.get(addr); if (counts.has(r)) counts.set(r, counts.get(r) + 1); }
    const total = [...counts.values()].reduce((x, n) => x + n, 0);
    return [...counts.entries()].map(([r, n]) => [r, total > 0 ? n / total : 0]);
  }

  // ---- rendering -------------------------------------------------------------------------------

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'style') el.setAttribute('style', v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(Infinity)) if (kid !== null && kid !== undefined && kid !== false) el.append(kid instanceof Node ? kid : String(kid));
    return el;
  }

  const pad = (n, w = 2) => String(n).padStart(w, '0');
  function fmtTime(ms, withMs = false) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${withMs ? `.${pad(d.getMilliseconds(), 3)}` : ''}`;
  }
  function ago(ms) {
    const s = Math.max(0, (now() - ms) / 1000);
    if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    return `${(s / 3600).toFixed(1)} h ago`;
  }
  function colorOf(region) {
    const i = allRegions().indexOf(region);
    return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
  }

  function schedule() {
    if (renderPending) return;
    renderPending = true;
    window.setTimeout(() => { renderPending = false; render(); }, 100);
  }

  function render() {
    const fresh = readings();
    const regions = allRegions();
    document.getElementById('stream').className = `pill ${streamState}`;
    document.getElementById('stream').textContent = streamState === 'live' ? 'live' : streamState;
    const signedIn = Object.keys(authHeaders(window.sessionStorage)).length > 0;
    document.getElementById('token-clear').hidden = !signedIn;
    document.getElementById('auth-problem').textContent = authProblem ? `${authProblem}${signedIn ? '' : ': paste an API token (meridian token create)'}` : '';
    document.getElementById('self').textContent = selfRegion ? `served by agent ${selfRegion}` : '';
    document.getElementById('reach').textContent = `${fresh.length}/${agents.size} agents answering`;
    document.getElementById('clock').textContent = fmtTime(now());
    document.getElementById('agents').replaceChildren(...[...agents.values()].sort((x, y) => x.region.localeCompare(y.region)).map(renderAgent));
    document.getElementById('regions').replaceChildren(...regions.map((r) => renderRegion(r, fresh, regions)));
    document.getElementById('answers').replaceChildren(...renderAnswers(fresh));
    document.getElementById('stores').replaceChildren(...renderStores(fresh));
    const panels = runbookPanels(fresh, now(), lostReadings());
    document.getElementById('runbook').replaceChildren(...renderRunbooks(panels));
    renderRunbookPill(panels);
    renderActions(fresh);
    document.getElementById('timeline').replaceChildren(...renderTimeline());
  }

  /** Operator actions (operator-actions.js, inlined before this script), redrawn only when they change. */
  function renderActions(fresh) {
    const model = operatorModel(fresh, selfRegion);
    const key = operatorPanelKey(model);
    if (key === actionsKey) return;
    actionsKey = key;
    document.getElementById('actions').replaceChildren(...renderOperatorActions(model, h));
  }

  function renderAgent(a) {
    const ok = isFresh(a);
    const how = ok ? (a.viaStream ? 'live stream' : 'polled') : `unreachable${a.error ? `: ${a.error}` : ''}${a.failingSinceMs ? ` since ${fmtTime(a.failingSinceMs)}` : ''}`;
    // A link, not a fetch: the way to another agent's dashboard when this page's agent is gone.
    const where = a.origin ? h('a', { href: `${a.origin}/`, class: 'dashboard-link' }, a.origin) : '?';
    return h('span', { class: `agent ${ok ? 'ok' : 'stale'}`, 'data-agent': a.region, title: a.origin || '' }, h('b', null, a.region), ' ', where, ` - ${how}`);
  }

  function renderRegion(region, fresh, regions) {
    const pic = regionPicture(region, fresh);
    const head = h('tr', null, h('th', null, 'service'), regions.map((v) => h('th', null, `from ${v}`)));
    const rows = pic.services.map((service) => h('tr', null, h('td', null, service), regions.map((v) => {
      const c = vantageCell(v, service, region, fresh);
      return h('td', { class: `cell-${c.cls}`, 'data-vantage': v }, c.text,
        c.since ? h('span', { class: 'since' }, `since ${fmtTime(c.since)}`) : null,
        c.via ? h('span', { class: 'since' }, `via ${c.via}`) : null);
    })));
    return h('div', { class: `region-card state-${pic.state}`, 'data-region': region, 'data-state': pic.state },
      h('div', { class: 'title' }, h('span', { class: 'name' }, region), h('span', { class: `badge ${pic.state}` }, pic.state.toUpperCase())),
      pic.why.length > 0 ? h('ul', { class: 'why' }, pic.why.map((w) => h('li', null, w))) : h('div', { class: 'why muted' }, pic.services.length > 0 ? 'every vantage point sees it up' : 'no service endpoints here'),
      pic.services.length > 0 ? h('table', { class: 'vantages' }, h('thead', null, head), h('tbody', null, rows)) : null);
  }

  function renderAnswers(fresh) {
    const primary = primaryReading(fresh);
    if (!primary) return [h('p', { class: 'muted' }, 'No agent answers this browser.')];
    if ((primary.status.answers || []).length === 0) return [h('p', { class: 'muted small' }, 'No service in the topology.')];
    return (primary.status.answers || []).map((s) => {
      const disagree = fresh.filter((a) => a !== primary && JSON.stringify(((a.status.answers || []).find((x) => x.service === s.service) || {}).answers) !== JSON.stringify(s.answers));
      return h('div', { class: 'service', 'data-service': s.service },
        h('div', { class: 'head' }, h('b', null, s.service), h('span', { class: 'muted' }, s.fqdn), h('span', { class: 'muted small' }, `policy ${s.policy}, as answered by ${primary.region}`)),
        h('table', null, h('tbody', null, s.answers.map((a) => {
          const shares = sharesOf(a, primary.status, s.service);
          return h('tr', null,
            h('td', { style: 'width:90px' }, a.clientNetwork === '*' ? 'all clients' : a.clientNetwork),
            h('td', null,
              h('div', { class: 'bar' }, shares.filter(([, x]) => x > 0).map(([r, x]) => h('span', { style: `width:${(x * 100).toFixed(1)}%;background:${colorOf(r)}`, title: `${r} ${(x * 100).toFixed(0)}%` }, `${r} ${(x * 100).toFixed(0)}%`))),
              h('div', { class: 'small muted' }, a.failOpen ? h('span', { class: 'failopen' }, 'FAIL-OPEN ') : null, `${a.regions.join(', ') || 'no region'} - ${a.addresses.join(' ') || 'no address'} - ${a.reason}`)));
        }))),
        disagree.length > 0 ? h('div', { class: 'note' }, `agents answering differently right now: ${disagree.map((a) => a.region).join(', ')}`) : null);
    });
  }

  /** Fresh readings with database supervision: `status.stores` = { supervised, reason?, stores: [...] }. */
  function supervising(fresh) {
    return fresh.filter((a) => a.status.stores && Array.isArray(a.status.stores.stores) && a.status.stores.supervised);
  }

  function storeNames(readings) {
    return [...new Set(readings.flatMap((a) => a.status.stores.stores.map((s) => s.store)))].sort();
  }

  function storeOf(a, name) {
    return a.status.stores.stores.find((s) => s.store === name);
  }

  function renderStores(fresh) {
    const readings = supervising(fresh);
    if (readings.length === 0) {
      const any = primaryReading(fresh);
      const why = any && any.status.stores && any.status.stores.reason;
      return [h('p', { class: 'muted small' }, why ? `Stores are not supervised: ${why}.` : 'No data store reported by the agents.')];
    }
    return storeNames(readings).map((name) => {
      const views = readings.map((a) => ({ a, s: storeOf(a, name) })).filter((x) => x.s);
      const primaries = [...new Set(views.map((x) => (x.s.primary ? `${x.s.primary.region} (term ${x.s.primary.token})` : 'none')))];
      const coordinators = [...new Set(views.map((x) => x.s.coordinator && x.s.coordinator.holder ? `${x.s.coordinator.holder} (token ${x.s.coordinator.token})` : 'none'))];
      const dns = Object.entries((views[0] && views[0].s.dns) || {}).map(([n, addrs]) => `${n} -> ${addrs.join(' ') || 'nothing'}`);
      const paused = (views.find((x) => x.s.paused) || {}).s;
      const sync = (views.find((x) => x.s.syncSet) || {}).s;
      const approval = renderApproval(name, views);
      const head = h('tr', null, ['agent', 'etcd', 'local database', 'fenced', 'last action'].map((c) => h('th', null, c)));
      const rows = views.map(({ a, s }) => {
        const local = s.local;
        return h('tr', { 'data-store-agent': a.region },
          h('td', null, a.region),
          h('td', { class: s.etcd.ok ? 'cell-up' : 'cell-down' }, s.etcd.ok ? 'ok' : `no: ${s.etcd.reason || 'unreachable'}`),
          h('td', null, local ? `${local.role}${local.timeline ? `, timeline ${local.timeline}` : ''}${local.lsn ? `, ${local.lsn}` : ''}` : 'no member here'),
          h('td', { class: local && local.fenced ? 'cell-down' : '' }, local ? (local.fenced ? 'FENCED' : 'no') : '-'),
          h('td', { class: 'small' }, local ? `${local.lastAction}: ${local.reason}` : (s.reason || '')));
      });
      return h('div', { class: 'service', 'data-store': name },
        h('div', { class: 'head' }, h('b', null, name),
          h('span', null, `primary ${primaries.join(' / ')}`),
          h('span', { class: 'muted small' }, `coordinator ${coordinators.join(' / ')}`)),
        primaries.length > 1 ? h('div', { class: 'note' }, 'agents read different primary records right now') : null,
        paused ? h('div', { class: 'note', 'data-paused': name }, `PAUSED by ${paused.paused.by}${paused.paused.reason ? ` (${paused.paused.reason})` : ''} since ${paused.paused.at}: no automatic failover, repoint or rebuild; meridian resume --store ${name}`) : null,
        approval,
        sync ? h('div', { class: 'small muted', 'data-sync-set': name }, sync.syncSet.count === 0 ? 'synchronous set: EMPTY, commits are asynchronous (degraded)' : `synchronous set: ANY ${sync.syncSet.count} (${sync.syncSet.members.join(', ')})`) : null,
        dns.length > 0 ? h('div', { class: 'small muted' }, dns.join('; ')) : null,
        h('table', null, h('thead', null, head), h('tbody', null, rows)),
        renderReplication(views));
    });
  }

  /**
   * stores[].failover.approval (manual, off): a failover run waiting for an operator, or approved
   * and not started yet, with the commands that answer it; `off` says no failover starts by itself.
   */
  function renderApproval(name, views) {
    const withApproval = views.map((x) => x.s.approval).filter(Boolean);
    const open = withApproval.map((a) => a.run).find((r) => r && (r.state === 'pending' || r.state === 'approved'));
    if (open) {
      const what = open.state === 'pending' ? 'FAILOVER WAITS FOR APPROVAL' : `FAILOVER APPROVED by ${open.decidedBy || 'an operator'}, starts on the coordinator's next tick`;
      const answer = open.state === 'pending' ? `; meridian approve ${open.id}, or meridian reject ${open.id}` : '';
      return h('div', { class: 'note', 'data-approval': name, 'data-approval-state': open.state },
        `${what}: run ${open.id}, ${open.summary} (${open.why}); expires ${fmtTime(open.expiresAtMs, true)}${answer}`);
    }
    if (withApproval.some((a) => a.mode === 'off')) return h('div', { class: 'small muted', 'data-approval': name, 'data-approval-state': 'off' }, 'failover approval: off, the coordinator never fails over by itself');
    return null;
  }

  /** Lag per standby from the agent with the newest observation of the primary (`replication` rows). */
  function renderReplication(views) {
    const newest = views
      .filter((x) => Array.isArray(x.s.replication) && x.s.replication.length > 0)
      .sort((x, y) => Date.parse(y.s.replication[0].observedAt) - Date.parse(x.s.replication[0].observedAt))[0];
    if (!newest) return h('div', { class: 'small muted', 'data-replication': 'none' }, 'replication: no standby streaming from the primary as the agents last saw it');
    const head = h('tr', null, ['standby', 'state', 'sync', 'lag bytes', 'lag seconds'].map((c) => h('th', null, c)));
    const rows = newest.s.replication.map((r) => h('tr', { 'data-replica': r.region },
      h('td', null, r.region),
      h('td', { class: r.state === 'streaming' ? 'cell-up' : 'cell-unknown' }, r.state),
      h('td', null, r.syncState),
      h('td', null, r.lagBytes === null ? 'unknown' : String(r.lagBytes)),
      h('td', null, r.lagSeconds === null ? '-' : r.lagSeconds.toFixed(3))));
    return h('div', { 'data-replication': 'rows' },
      h('div', { class: 'small muted' }, `replication, as ${newest.a.region} observed the primary at ${fmtTime(Date.parse(newest.s.replication[0].observedAt), true)}`),
      h('table', null, h('thead', null, head), h('tbody', null, rows)));
  }

  /**
   * The runbook running now on any agent this page reaches (steps so far, the current one, those
   * still to run), else the last one that ended, with its steps and outcome; the model is
   * runbook-model.js (inlined before this script).
   */
  function renderRunbooks(panels) {
    if (panels.length === 0) return [h('p', { class: 'muted small' }, 'No runbook has run on a coordinator this page reaches.')];
    return panels.map((p) => h('div', { class: `service runbook ${p.state}`, 'data-runbook': p.store, 'data-runbook-state': p.state },
      h('div', { class: 'head' }, h('b', null, p.store),
        p.runbook ? h('span', { class: `badge ${runbookTone(p.runbook)}` }, p.runbook.outcome.toUpperCase()) : null,
        p.runbook ? h('span', null, `${p.runbook.kind}: ${p.runbook.summary}`) : null,
        p.runbook ? h('span', { class: 'muted small' }, `on ${p.runbook.coordinator}, ${runbookSpan(p.runbook)}`) : null),
      p.runbook && p.runbook.current ? h('div', { class: 'current', 'data-current-step': p.runbook.current.stepId },
        `now: ${stepLabel(p.runbook.current)} for ${seconds(p.runbook.current.tookMs)} - ${p.runbook.current.detail}`) : null,
      p.runbook && p.runbook.detail ? h('div', { class: 'note' }, p.runbook.detail) : null,
      p.alsoRunning.length > 0 ? h('div', { class: 'note' }, `also running on ${p.alsoRunning.join(', ')}: at most one coordinator should run a runbook`) : null,
      p.plan ? h('div', { class: 'small' }, `${p.plan.by}'s last plan (${fmtTime(Date.parse(p.plan.at))}): ${p.plan.kind} - ${p.plan.reason}${p.plan.notExecuted ? ` (not executed: ${p.plan.notExecuted})` : ''}`) : null,
      // The detail goes under the step, not in a column of its own: the panel is narrow on a laptop.
      p.runbook ? h('table', { class: 'steps' },
        h('thead', null, h('tr', null, ['step', 'result', 'started', 'took'].map((c) => h('th', null, c)))),
        h('tbody', null, p.runbook.steps.map((st) => h('tr', { 'data-step': st.stepId, 'data-step-state': st.state },
          h('td', null, stepLabel(st), st.detail ? h('div', { class: 'detail' }, st.detail) : null),
          h('td', { class: STEP_CELL[st.state] || '' }, st.state),
          h('td', null, st.startedAtMs === null ? '-' : fmtTime(st.startedAtMs, true)),
          h('td', null, st.tookMs === null ? '-' : seconds(st.tookMs)))))) : null));
  }

  /** `promote:us-east` already says its kind; other ids get it in parentheses. */
  const stepLabel = (st) => (!st.kind || st.stepId.startsWith(`${st.kind}:`) ? st.stepId : `${st.stepId} (${st.kind})`);

  const STEP_CELL = { ok: 'cell-up', failed: 'cell-down', interrupted: 'cell-down', running: 'cell-running', skipped: 'cell-unknown', pending: 'cell-unknown', unknown: 'cell-unknown' };
  const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const runbookTone = (rb) => (rb.outcome === 'running' ? 'running' : rb.outcome === 'completed' ? 'up' : rb.outcome === 'unknown' ? 'degraded' : 'down');

  function runbookSpan(rb) {
    const started = rb.startedAtMs === null ? 'start unknown' : `started ${fmtTime(rb.startedAtMs)}`;
    if (rb.outcome === 'running') return `${started}, running for ${seconds(rb.tookMs || 0)}, ${runbookProgressText(rb)} done`;
    if (rb.outcome === 'unknown') return `${started}, last seen running ${fmtTime(rb.lostSinceMs)} (${ago(rb.lostSinceMs)}), ${runbookProgressText(rb)} done then`;
    return rb.endedAtMs === null ? started : `${started}, ended ${fmtTime(rb.endedAtMs)} (${ago(rb.endedAtMs)}) after ${seconds(rb.tookMs || 0)}`;
  }

  /** Header pill: visible while a runbook runs anywhere, whatever part of the page is in view. */
  function renderRunbookPill(panels) {
    const pill = document.getElementById('runbook-now');
    const running = panels.filter((p) => p.state === 'running');
    pill.hidden = running.length === 0;
    pill.textContent = running.map((p) => `${p.store}: ${p.runbook.kind} running, ${runbookProgressText(p.runbook)}${p.runbook.current ? `, now ${p.runbook.current.stepId}` : ''}`).join('; ');
  }

  function renderTimeline() {
    const list = [...events.values()].sort((x, y) => y.atMs - x.atMs || y.seq - x.seq).slice(0, SHOWN_EVENTS);
    if (list.length === 0) return [h('p', { class: 'muted' }, 'No event yet.')];
    return list.map((e) => {
      const to = e.details && e.details.to;
      const tone = to === 'down' || to === 'unreachable' ? 'down' : to === 'up' || to === 'reachable' ? 'up' : '';
      return h('div', { class: `event ${tone}`, 'data-kind': e.kind },
        h('span', { class: 't', title: new Date(e.atMs).toISOString() }, fmtTime(e.atMs, true)),
        h('span', { class: 'src', style: `color:${colorOf(e.region)}` }, e.region),
        h('span', null, h('span', { class: 'sum' }, e.summary), ' ', h('span', { class: 'kind' }, e.kind)));
    });
  }

  setUpSignIn();
  connectStream();
  every(pollSelf);
  every(pollOthers);
  window.setInterval(render, 1000);
})();
