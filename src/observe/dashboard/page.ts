/**
 * The dashboard page every agent serves at GET /: one self-contained HTML document with the
 * stylesheet and client script inlined (the machines it runs on may have no internet, and a
 * page served by a surviving region must not depend on anything else). The client script and
 * stylesheet are kept as real .js/.css files next to this one, read once. runbook-model.js is an
 * ES module (the unit tests import it) without imports: its `export` keywords are dropped and it
 * runs as a classic script before client.js, which calls its functions.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function dashboardHtml(): string {
  cached ??= render(
    readFileSync(new URL('./style.css', import.meta.url), 'utf8'),
    [
      asClassicScript(readFileSync(new URL('./runbook-model.js', import.meta.url), 'utf8')),
      asClassicScript(readFileSync(new URL('./operator-actions.js', import.meta.url), 'utf8')),
    ].join('\n'),
    readFileSync(new URL('./client.js', import.meta.url), 'utf8'),
  );
  return cached;
}

/** An import-free ES module as a classic script: its top-level functions become the page's. */
export function asClassicScript(module: string): string {
  const script = module.replace(/^export (?=(async )?function |const |let |class )/gm, '');
  if (/^\s*(import|export)\b/m.test(script)) throw new Error('invariant: an inlined dashboard module must not import, nor export anything but declarations');
  return `'use strict';\n${script}`;
}

/**
 * The Content-Security-Policy forbids every external asset (the page must be self-contained) and
 * every fetch or event stream to another origin: the page reads its own agent, which reads the
 * others (GET /v1/regions).
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'";

function render(css: string, model: string, js: string): string {
  if (/<\/(script|style)/i.test(model + js + css)) throw new Error('invariant: dashboard assets must not close their own tags');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>Meridian dashboard</title>
<style>
${css}</style>
</head>
<body>
<header>
  <h1>Meridian</h1>
  <span id="stream" class="pill connecting">connecting</span>
  <a id="runbook-now" class="pill running" href="#runbook" hidden></a>
  <span id="self" class="meta"></span>
  <span id="reach" class="meta"></span>
  <span id="clock" class="meta"></span>
  <span class="meta signin"><input id="token" type="password" autocomplete="off" placeholder="API token (viewer; operator to act)" aria-label="API token"><button type="button" id="token-save">Sign in</button><button type="button" id="token-clear" hidden>Sign out</button></span>
  <span id="auth-problem" class="meta"></span>
</header>
<main>
  <div>
    <section class="panel"><h2>Agents</h2><div id="agents" class="agents"></div></section>
    <section class="panel"><h2>Regions, as seen from each vantage point</h2><div id="regions" class="regions"></div></section>
    <section class="panel"><h2>DNS answers and traffic share</h2><div id="answers"></div></section>
    <section class="panel"><h2>Data stores</h2><div id="stores"></div></section>
  </div>
  <div>
    <section class="panel"><h2>Runbook</h2><div id="runbook"></div></section>
    <section class="panel"><h2>Operator actions</h2><div id="actions" class="actions"></div></section>
    <section class="panel"><h2>Timeline (all reachable agents)</h2><div id="timeline" class="timeline"></div></section>
  </div>
</main>
<dialog id="confirm">
  <h3 id="confirm-title"></h3>
  <p id="confirm-text" class="small"></p>
  <label id="confirm-service-row">Service <select id="confirm-service"></select></label>
  <label>Your name (for the log; the agent records your token's name) <input id="confirm-who" autocomplete="off"></label>
  <label id="confirm-reason-row">Reason <input id="confirm-reason" autocomplete="off"></label>
  <p id="confirm-result" class="small"></p>
  <div class="buttons"><button type="button" id="confirm-cancel">Cancel</button><button type="button" id="confirm-force" hidden>Force: override the rule</button><button type="button" id="confirm-ok">Confirm</button></div>
</dialog>
<script>
${model}</script>
<script>
${js}</script>
</body>
</html>
`;
}
