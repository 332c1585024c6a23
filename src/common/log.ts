/**
 * Structured JSON logs (pino) on stderr, so stdout stays for command output.
 * Level from MERIDIAN_LOG_LEVEL (default `info`; `silent` in tests).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return pino(
    { name: component, level: process.env.MERIDIAN_LOG_LEVEL ?? 'info', base: { ...bindings } },
    pino.destination(2),
  );
}
