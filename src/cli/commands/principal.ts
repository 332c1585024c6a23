/** The `by` of an operator request (MERIDIAN_OPERATOR, else user@host; never a secret: it is logged). Agents record the token's name instead (docs/security.md). */
import { hostname } from 'node:os';

export function principal(): string {
  const named = process.env.MERIDIAN_OPERATOR?.trim();
  if (named) return named.slice(0, 200);
  return `${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}@${hostname()}`;
}
