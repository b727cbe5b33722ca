import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** CPU time of the whole machine from /proc/stat: busy and total jiffies. */
function cpuTimes(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Runs `work`; with it, the share of the machine's CPU in use meanwhile (0..1, null off Linux). */
export async function withMachineCpu<T>(work: () => Promise<T>): Promise<{ value: T; share: number | null }> {
  const a = cpuTimes();
  const value = await work();
  const b = cpuTimes();
  return { value, share: !a || !b || b.total === a.total ? null : (b.busy - a.busy) / (b.total - a.total) };
}

/** Share of the machine's CPU in use over `ms` (0..1), or null off Linux. */
export async function machineBusy(ms = 1000): Promise<number | null> {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return null;
  return (b.busy - a.busy) / (b.total - a.total);
}

/**
 * The machine is shared: before a scenario, while the bench itself is idle, waits (up to
 * `maxMs`) for other work on the machine to fall under `threshold` of its CPU. Returns the last
 * reading, which goes into results.json so a noisy run can be recognised.
 */
export async function waitForQuiet(threshold: number, maxMs: number, log: (m: string) => void): Promise<number | null> {
  const deadline = Date.now() + maxMs;
  let busy = await machineBusy();
  let warned = false;
  while (busy !== null && busy > threshold && Date.now() < deadline) {
    if (!warned) log(`  machine ${(busy * 100).toFixed(0)}% busy with other work; waiting up to ${Math.round(maxMs / 1000)} s for it to settle`);
    warned = true;
    busy = await machineBusy(2000);
  }
  if (busy !== null && busy > threshold) log(`  ! measuring on a busy machine (${(busy * 100).toFixed(0)}% CPU used by other work)`);
  return busy;
}
