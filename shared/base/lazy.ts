/**
 * Runs `create` on the first call and shares its promise with every later call. A failure is not
 * remembered (the next call tries again): a resource principal or an SDK import that fails once
 * at start-up must not fail the process for good.
 */
export function lazyOnce<T>(create: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= create().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
