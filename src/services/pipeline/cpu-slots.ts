/** Gives a slot back; calling it again does nothing. */
export type ReleaseCpuSlot = () => void;

/**
 * How many CPU-heavy stage bodies (EXTRACT, CLASSIFY) run at once in this process. Each runs in
 * a worker thread, but on a machine with few cores more of them than cores-1 starve the main
 * thread, and with it every request. Invariants: at most `limit` slots are held at any time;
 * waiters get a slot first come, first served; a waiter whose signal aborts leaves the line
 * (rejecting with the signal's reason) and never holds a slot.
 */
export interface CpuSlots {
  /** A slot now, or null when all are held. */
  tryAcquire(): ReleaseCpuSlot | null;
  /** Resolves once a slot is held; rejects with `signal.reason` if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<ReleaseCpuSlot>;
  readonly held: number;
  readonly waiting: number;
}

export function createCpuSlots(limit: number): CpuSlots {
  let held = 0;
  const waiters: { grant: () => void }[] = [];

  function slot(): ReleaseCpuSlot {
    held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held -= 1;
      // Hand the slot on; a waiter that was aborted has already left the line.
      waiters.shift()?.grant();
    };
  }

  return {
    tryAcquire: () => (held < limit && waiters.length === 0 ? slot() : null),
    acquire(signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      if (held < limit && waiters.length === 0) return Promise.resolve(slot());
      return new Promise<ReleaseCpuSlot>((resolve, reject) => {
        const waiter = {
          grant: () => {
            signal.removeEventListener('abort', onAbort);
            resolve(slot());
          },
        };
        const onAbort = () => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    get held() {
      return held;
    },
    get waiting() {
      return waiters.length;
    },
  };
}

/**
 * A slot at once if one is free; otherwise waits, and if the wait outlasts `announceAfterMs`
 * calls `announce` (the run tells its watchers) and returns the slot only after it, so the
 * announcement always comes before whatever the holder does next. A short wait (the holder's
 * body is about to end) costs nothing. If `announce` throws, the slot is given straight back
 * when it comes, and the error is thrown.
 */
export async function acquireAnnounced(
  slots: CpuSlots,
  signal: AbortSignal,
  announceAfterMs: number,
  announce: () => Promise<void>,
): Promise<ReleaseCpuSlot> {
  const now = slots.tryAcquire();
  if (now) return now;
  const slot = slots.acquire(signal);
  let timer: NodeJS.Timeout | undefined;
  const long = new Promise<'long'>((resolve) => {
    timer = setTimeout(() => resolve('long'), announceAfterMs);
  });
  const first = await Promise.race([slot.then(() => 'slot' as const, () => 'slot' as const), long]);
  clearTimeout(timer);
  if (first === 'long') {
    try {
      await announce();
    } catch (err) {
      slot.then((release) => release(), () => undefined);
      throw err;
    }
  }
  return slot;
}
