// Entry of the server probe, given to the server as `--import`. Plain JavaScript because worker
// threads (EXTRACT parses in one) inherit the flag but cannot load a .ts file at that point;
// the probe belongs to the main thread only, where tsx is already registered.
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.BENCH_PROBE === '1') await import('./server-probe.ts');
