/** Concurrency helpers for the local flow. */
/**
 * Like Promise.all, but waits for every promise to settle before rejecting with the first failure:
 * none is left rejecting unobserved (an unhandled rejection ends the process with exit code 1 and
 * no word of what failed, e.g. when the stand-ins stop under a running flow on Ctrl-C).
 */
export async function settleAll<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
