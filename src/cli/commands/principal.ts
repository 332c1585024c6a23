/** Who asks, for the audit and the logs of every operator request: MERIDIAN_OPERATOR, else user@host (never a secret: it is logged). */
import { hostname } from 'node:os';

export function principal(): string {
  const named = process.env.MERIDIAN_OPERATOR?.trim();
  if (named) return named.slice(0, 200);
  return `${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}@${hostname()}`;
}
