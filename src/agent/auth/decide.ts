/**
 * The access decision for one request, pure: the route's access (roles.ts), the credential the
 * request shows, the tokens in force (undefined: the agent has no tokens file), where it comes
 * from. The answer to a refused request is one JSON line naming the role needed; no answer ever
 * repeats the token.
 *
 * Without a tokens file the agent fails closed for everything that needs a role, except reads
 * from loopback (a shell on the agent's host, `kubectl port-forward`): an upgraded agent does not
 * suddenly let any host on its network switch a database over, and an operator on the host can
 * still see what it is doing (docs/security.md, "An agent without a tokens file").
 */
import { isIP } from 'node:net';
import { grants, routeAccess, type Role } from './roles.ts';
import { bearerToken, findToken, type TokenEntry } from './tokens.ts';

export type Caller =
  | { readonly kind: 'token'; readonly name: string; readonly role: Role }
  /** A public or peer route, or a loopback read on an agent without a tokens file. */
  | { readonly kind: 'anonymous' };

export interface Denial {
  readonly status: 401 | 403;
  readonly error: string;
  readonly needed: Role;
  /** Who was refused, for the log: the token's name, else `anonymous` or `invalid-token`. */
  readonly principal: string;
}

export interface RequestFacts {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly remoteAddress?: string;
}

export type Decision = { readonly kind: 'allowed'; readonly caller: Caller; readonly needed?: Role } | { readonly kind: 'denied'; readonly denial: Denial };

const HOW = 'create one with: meridian token create --name NAME --role ROLE';

export function decide(facts: RequestFacts, tokens: readonly TokenEntry[] | undefined): Decision {
  const access = routeAccess(facts.method, facts.path);
  if (access.kind !== 'role') return { kind: 'allowed', caller: { kind: 'anonymous' } };
  const needed = access.role;
  const what = `${facts.method} ${facts.path}`;
  if (tokens === undefined) {
    if (needed === 'viewer' && isLoopback(facts.remoteAddress)) return { kind: 'allowed', caller: { kind: 'anonymous' }, needed };
    const scope = needed === 'viewer' ? 'it serves reads to loopback clients only' : 'it refuses every action';
    return denied(403, needed, 'anonymous', `no tokens file configured on this agent: ${scope}; ${what} needs role ${needed} (start the agent with --tokens FILE; ${HOW})`);
  }
  const token = bearerToken(facts.authorization);
  if (token === undefined) return denied(401, needed, 'anonymous', `${what} needs a bearer token with role ${needed} (header authorization: Bearer TOKEN; ${HOW})`);
  const entry = findToken(tokens, token);
  if (!entry) return denied(401, needed, 'invalid-token', `the bearer token is not valid on this agent (unknown, revoked or malformed); ${what} needs role ${needed}`);
  return checkRole({ kind: 'token', name: entry.name, role: entry.role }, needed, what) ?? { kind: 'allowed', caller: { kind: 'token', name: entry.name, role: entry.role }, needed };
}

/** A stricter role than the route's, asked for by the body (a forced action); undefined when the caller has it. */
export function escalate(caller: Caller, needed: Role, action: string): Denial | undefined {
  if (caller.kind === 'anonymous') return { status: 403, needed, principal: 'anonymous', error: `${action} needs role ${needed}` };
  const refused = checkRole(caller, needed, action);
  return refused?.kind === 'denied' ? refused.denial : undefined;
}

function checkRole(caller: Extract<Caller, { kind: 'token' }>, needed: Role, what: string): Decision | undefined {
  if (grants(caller.role, needed)) return undefined;
  return denied(403, needed, caller.name, `${caller.name} has role ${caller.role}; ${what} needs role ${needed}`);
}

function denied(status: 401 | 403, needed: Role, principal: string, error: string): Decision {
  return { kind: 'denied', denial: { status, needed, principal, error } };
}

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6 (a socket listening on `::`). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.replace(/^::ffff:/i, '');
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}
