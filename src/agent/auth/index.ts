/**
 * auth: who may call which route of the agent API. Roles and the route table (roles.ts, pure),
 * hashed bearer tokens and the tokens file (tokens.ts, tokens-file.ts), the decision per request
 * (decide.ts, pure) and its HTTP glue with the audit log (access-control.ts).
 *
 * A caller (the agent) must: build one AccessControl from its tokens file (or none: decide.ts
 * says what an agent without one serves), pass it to the API server, and give each route the
 * RequestAuth of its request, so the route records the principal and checks forced actions.
 */
export { ROLES, FORCED_ROLE, grants, isRole, routeAccess, type Access, type Role } from './roles.ts';
export { bearerToken, digestToken, findToken, generateToken, parseTokens, tokenLine, TOKEN_PREFIX, type TokenEntry } from './tokens.ts';
export { TokensFile, type TokenSource } from './tokens-file.ts';
export { decide, escalate, isLoopback, type Caller, type Decision, type Denial } from './decide.ts';
export { AccessControl, denialHeaders, type CheckOutcome, type RequestAuth } from './access-control.ts';
