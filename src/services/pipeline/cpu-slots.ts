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
