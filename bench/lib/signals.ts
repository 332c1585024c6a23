/**
 * Ctrl-C / SIGTERM abort a benchmark's drills; its finally blocks then heal and release the lab
 * while run.ts waits for them. Listening once: a second Ctrl-C kills the process as usual.
 * Call `dispose()` in a finally.
 */
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = (signal: NodeJS.Signals) => controller.abort(new Error(`interrupted by ${signal}`));
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}
