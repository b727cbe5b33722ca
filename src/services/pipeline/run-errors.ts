/** Why runs stop, and how the runner tells the cases apart. */

export type AbortKind = 'cancel' | 'shutdown' | 'lease-lost';

/**
 * Why a run was asked to stop. An Error (not a bare string) so that whatever rethrows
 * `signal.reason` (streams, workers, `throwIfAborted`) throws something with a message.
 */
export class RunAborted extends Error {
  constructor(readonly kind: AbortKind) {
    super(`run stopped: ${kind}`);
    this.name = 'RunAborted';
  }
}

/**
 * `work`, or the error `onTimeout` makes after `ms`. A stage that ignores its abort signal is
 * abandoned (its late result or error is dropped), so the run still ends.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

/** The error says the database connection failed (reset, refused, server shut down). */
export function isConnectionLost(thrown: unknown): boolean {
  const err = thrown as { code?: unknown; message?: unknown } | null;
  if (typeof err?.code === 'string' && CONNECTION_CODES.has(err.code)) return true;
  return typeof err?.message === 'string' && /Connection terminated|connection (?:ended|closed)|ECONNRESET|ECONNREFUSED|terminating connection/i.test(err.message);
}

/** This runner's write found the run no longer leased to it. */
export class LeaseLost extends Error {}
export function isLeaseLost(err: unknown): boolean {
  return err instanceof LeaseLost;
}
