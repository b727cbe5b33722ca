import { setTimeout as sleep } from 'node:timers/promises';
import { describeCrash, onChildCrash, type ChildCrash } from './processes.js';

export type ScenarioOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface RunOptions {
  log(message: string): void;
  /** Stops every child still running (the orchestrator's `stopAllChildren`). */
  stopChildren(): Promise<void>;
  /** After a crash, how long the scenario may take to wind down (its `finally`) before the run moves on. */
  windDownMs?: number;
}

/**
 * Runs one scenario so that nothing it does can end the bench: a failure is an outcome (with
 * its stack), and a child that dies while it runs (the server, a load generator, a baseline)
 * fails it at once with that child's exit and last output, even if the scenario itself would
 * only have noticed minutes later (a pipeline timer waiting for an event that will not come).
 * Then the other children are stopped, so whatever the scenario still waits on fails fast and
 * its own clean-up runs before the next scenario starts.
 */
export async function runScenario<T>(run: () => Promise<T>, options: RunOptions): Promise<ScenarioOutcome<T>> {
  const crashes: ChildCrash[] = [];
  let firstCrash!: (crash: ChildCrash) => void;
  const crashed = new Promise<ChildCrash>((resolve) => (firstCrash = resolve));
  const off = onChildCrash((crash) => {
    crashes.push(crash);
    firstCrash(crash);
  });
  const scenario = Promise.resolve()
    .then(run)
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  const crashReport = async () => (await Promise.all(crashes.map(describeCrash))).join('\n');
  try {
    const first = await Promise.race([scenario, crashed.then((crash) => ({ crash }))]);
    if ('crash' in first) {
      options.log(`! ${first.crash.message}: stopping the scenario`);
      await options.stopChildren();
      const windDownMs = options.windDownMs ?? 120_000;
      const settled = await Promise.race([scenario, sleep(windDownMs).then(() => null)]);
      if (settled === null) options.log(`! the scenario did not wind down within ${windDownMs / 1000} s; going on without it`);
      const after = settled && !settled.ok ? `\nthe scenario then failed with: ${formatError(settled.error)}` : '';
      return { ok: false, error: `${await crashReport()}${after}` };
    }
    if (!first.ok) {
      // Often the scenario fails *because* a child died: name the death first.
      return { ok: false, error: crashes.length ? `${await crashReport()}\nthe scenario failed with: ${formatError(first.error)}` : formatError(first.error) };
    }
    // A child that died as the scenario finished leaves figures nobody can vouch for.
    if (crashes.length) return { ok: false, error: await crashReport() };
    return first;
  } finally {
    off();
  }
}

export function formatError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
