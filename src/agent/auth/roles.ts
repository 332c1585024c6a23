/**
 * Who may call which route of the agent API (docs/security.md, "Roles"): three roles, each
 * granting what the one before it grants, and one table from route to the role it needs. Pure.
 *
 *   viewer    status, events, metrics, the dashboard's reads
 *   operator  switchover, rejoin, pause/resume, runbook abort, approve/reject a failover run, drills, traffic drain/undrain/weight
 *   admin     forced actions (`--force`: a forced rejoin, drain or weight)
 *
 * Two kinds of route need no token: `public` ones (a load balancer's /healthz, the dashboard's
 * page itself, which carries no data) and `peer` ones, which agents send each other: with a peer
 * listener they are served there only, to a verified certificate (../tls); without one they stay
 * unauthenticated on the API.
 */

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Access = { readonly kind: 'public' } | { readonly kind: 'peer' } | { readonly kind: 'role'; readonly role: Role };

/** admin ⊇ operator ⊇ viewer. */
export function grants(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

const READ = ['GET', 'HEAD'];
const POST = ['POST'];

interface Rule {
  readonly methods: readonly string[];
  readonly path: RegExp;
  readonly access: Access;
}

const role = (r: Role): Access => ({ kind: 'role', role: r });

/** First match wins. Paths are the decoded-checked paths of http-api.ts. */
const RULES: readonly Rule[] = [
  { methods: READ, path: /^\/healthz$/, access: { kind: 'public' } },
  { methods: READ, path: /^\/$/, access: { kind: 'public' } },
  { methods: POST, path: /^\/v1\/view$/, access: { kind: 'peer' } },
  { methods: POST, path: /^\/v1\/stores\/[^/]+\/local\/[^/]+$/, access: { kind: 'peer' } },
  { methods: READ, path: /^\/(status|metrics|v1\/view|v1\/events|v1\/stream|v1\/regions)$/, access: role('viewer') },
  // A dry run plans from a fresh snapshot of every member: an operator's tool, not a dashboard read.
  { methods: READ, path: /^\/v1\/stores\/[^/]+\/plan$/, access: role('operator') },
  { methods: READ, path: /^\/v1\/stores\/[^/]+\/runs$/, access: role('viewer') },
  { methods: POST, path: /^\/v1\/stores\/[^/]+\/(switchover|rejoin|pause|resume|abort|approve|reject)$/, access: role('operator') },
  { methods: POST, path: /^\/v1\/traffic\/(drain|undrain|weight)$/, access: role('operator') },
];

/**
 * What a request needs before any route reads it. A route not in the table needs a viewer to
 * read and an admin to change anything: a route added later is closed until it is classified.
 * A forced action needs admin on top of its route's role: the route checks that once it has
 * read the body (`FORCED_ROLE`).
 */
export function routeAccess(method: string, path: string): Access {
  const rule = RULES.find((r) => r.methods.includes(method) && r.path.test(path));
  if (rule) return rule.access;
  return role(READ.includes(method) ? 'viewer' : 'admin');
}

export const FORCED_ROLE: Role = 'admin';
