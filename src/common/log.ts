/**
 * Structured JSON logs (pino) on stderr, so stdout stays for command output.
 * Level from MERIDIAN_LOG_LEVEL (default `info`; `silent` in tests).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Fields that carry credentials are replaced before a line is written, at any depth a log call
 * is likely to use (pino's redaction matches paths, not values): database credentials passed in
 * an object (`auth.password`, `replication.password`), an HTTP request's headers. Fencing tokens
 * (`token`) are terms, not secrets, and stay readable.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password', '*.password', '*.*.password', '*.*.*.password',
  'passwd', '*.passwd', 'secret', '*.secret', '*.*.secret',
  'authorization', '*.authorization', '*.headers.authorization', '*.*.headers.authorization',
  'cookie', '*.cookie', '*.headers.cookie', '*.*.headers.cookie',
  'bearer', '*.bearer',
];

export function createLogger(component: string, bindings: Record<string, unknown> = {}, destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      name: component, level: process.env.MERIDIAN_LOG_LEVEL ?? 'info', base: { ...bindings },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    destination,
  );
}
