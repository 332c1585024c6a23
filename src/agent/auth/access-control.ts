/**
 * The agent API's access control on node:http: decides each request (decide.ts) against the
 * tokens in force, and logs every denial and every action that changes state, with the principal
 * (the token's name, never a name the client sent). http-api.ts calls `check` once per request,
 * after the request guard and before any route; routes get the `RequestAuth` to record who asked
 * and to ask for a stricter role when the body does (a forced action).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { decide, escalate, type Caller, type Denial } from './decide.ts';
import type { Role } from './roles.ts';
import type { TokenSource } from './tokens-file.ts';

export interface RequestAuth {
  readonly caller: Caller;
  /** The name to record as who asked: the token's name; `claimed` (the body's `by`) only without a token. */
  principal(claimed?: string): string;
  /** A stricter role for what the body asks (`action`, e.g. "a forced drain"); the refusal is logged. */
  need(role: Role, action: string): Denial | undefined;
}

export type CheckOutcome = { readonly kind: 'allowed'; readonly auth: RequestAuth } | { readonly kind: 'denied'; readonly denial: Denial };

export class AccessControl {
  /** `tokens` undefined: the agent was started without a tokens file (decide.ts says what that allows). */
  constructor(
    private readonly tokens: TokenSource | undefined,
    private readonly logger: Logger,
  ) {}

  get configured(): boolean {
    return this.tokens !== undefined;
  }

  check(req: IncomingMessage, res: ServerResponse, path: string): CheckOutcome {
    const method = req.method ?? 'GET';
    const where = { method, path, remote: req.socket.remoteAddress };
    const decision = decide({ method, path, authorization: req.headers.authorization, remoteAddress: req.socket.remoteAddress }, this.tokens?.entries());
    if (decision.kind === 'denied') {
      this.logDenial(decision.denial, where);
      return decision;
    }
    const { caller } = decision;
    if (decision.needed && decision.needed !== 'viewer' && caller.kind === 'token') this.logAction(caller, where, res);
    return {
      kind: 'allowed',
      auth: {
        caller,
        principal: (claimed) => (caller.kind === 'token' ? caller.name : (claimed ?? 'anonymous')),
        need: (role, action) => {
          const denial = escalate(caller, role, action);
          if (denial) this.logDenial(denial, where);
          return denial;
        },
      },
    };
  }

  private logDenial(denial: Denial, where: Record<string, unknown>): void {
    this.logger.warn({ event: 'auth.denied', principal: denial.principal, status: denial.status, needed: denial.needed, ...where }, `denied ${where.method} ${where.path} to ${denial.principal}: ${denial.error}`);
  }

  /** Logged when asked and again with the answer's status, so an action that hangs is still on record. */
  private logAction(caller: Extract<Caller, { kind: 'token' }>, where: Record<string, unknown>, res: ServerResponse): void {
    const fields = { event: 'api.action', principal: caller.name, role: caller.role, ...where };
    this.logger.info(fields, `${caller.name} (${caller.role}) asks ${where.method} ${where.path}`);
    res.once('finish', () => this.logger.info({ ...fields, status: res.statusCode }, `${caller.name} (${caller.role}) ${where.method} ${where.path}: ${res.statusCode}`));
  }
}

/** The headers of a refusal: a 401 says which scheme to use (RFC 6750). */
export function denialHeaders(denial: Denial): Record<string, string> {
  return denial.status === 401 ? { 'www-authenticate': 'Bearer realm="meridian"' } : {};
}
