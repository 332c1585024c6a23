/** Waiting for parallel start-up tasks without leaving any of them running behind a failure. */

/**
 * Waits for every task. On the first failure it aborts `controller` (so the others stop waiting
 * and start nothing new), still waits for all of them to finish, then throws that first error.
 * Unlike Promise.all, nothing is left spawning processes while the caller tears the lab down.
 */
export async function settleAll(tasks: readonly Promise<unknown>[], controller: AbortController): Promise<void> {
  let first: { error: unknown } | undefined;
  await Promise.all(
    tasks.map((task) =>
      task.catch((error: unknown) => {
        first ??= { error };
        controller.abort();
      }),
    ),
  );
  if (first) throw first.error;
}
