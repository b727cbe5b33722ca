/**
 * Work started now and awaited later (a prober running while the pipelines run). Its outcome
 * is observed from the start: if the code in between fails first, the work is typically
 * stopped in a `finally` and then fails too, and a rejection that nothing has awaited yet is
 * an unhandled rejection, which ends the whole bench (Node 20's default). `result()` gives the
 * outcome later, a failure rethrown.
 */
export interface Background<T> {
  result(): Promise<T>;
}

export function background<T>(work: Promise<T>): Background<T> {
  const outcome = work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return {
    async result() {
      const o = await outcome;
      if (!o.ok) throw o.error;
      return o.value;
    },
  };
}
