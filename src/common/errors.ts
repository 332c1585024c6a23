/**
 * The small typed error hierarchy shared by every concept (STYLE.md, rule 4):
 * expected outcomes are return values; infrastructure failures and bad input are these errors;
 * a broken invariant throws a plain Error and the process stops.
 *
 * The CLI maps them to exit codes: UsageError/InputError → 2, CheckFailed → 1.
 */

/** Bad input from a person: CLI arguments, a topology file, a lab state they asked for. Exit 2. */
export class InputError extends Error {
  override readonly name: string = 'InputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A command line that does not parse. Exit 2. */
export class UsageError extends InputError {
  override readonly name = 'UsageError';
}

/** The command ran and a check it performs failed (validation, drill target, health). Exit 1. */
export class CheckFailed extends Error {
  override readonly name = 'CheckFailed';
}

/** Something outside us refused or did not answer: a peer, a database, a subprocess. Exit 1. */
export class InfraError extends Error {
  override readonly name = 'InfraError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One line that says what went wrong, with the cause's message when it adds something. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && !err.message.includes(cause) ? `${err.message}: ${cause}` : err.message;
}
