import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectPeer, type Peer } from './ipc.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH = path.join(ROOT, 'bench');

/** A child process of the bench with its IPC peer. */
export interface Tracked {
  name: string;
  child: ChildProcess;
  peer: Peer;
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<Tracked>();

/**
 * Forks a bench TypeScript script (through tsx) as a separate process with an IPC channel.
 * Load generators live in their own processes so they never share the server's event loop.
 */
export function forkScript(
  name: string,
  script: string,
  options: { env?: Record<string, string>; execArgv?: string[]; args?: string[]; stdio?: ForkOptions['stdio'] } = {},
): Tracked {
  const child = fork(path.join(BENCH, script), options.args ?? [], {
    cwd: ROOT,
    execArgv: [...(options.execArgv ?? []), '--import', 'tsx'],
    env: { ...process.env, ...options.env },
    stdio: options.stdio ?? ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return track(name, child);
}

export function track(name: string, child: ChildProcess): Tracked {
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const tracked: Tracked = {
    name,
    child,
    peer: connectPeer(child, name),
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  children.add(tracked);
  void exited.then(() => children.delete(tracked));
  return tracked;
}

/** Stops every child the bench started, by its own handle (never by name). */
export async function stopAllChildren(graceMs = 5000): Promise<void> {
  await Promise.all([...children].map((c) => c.stop(graceMs)));
}

/** Last resort on process exit: synchronous SIGKILL of anything still running. */
export function killAllChildrenNow(): void {
  for (const c of children) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  }
}
