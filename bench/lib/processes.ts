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
  /** Exit code, or signal name; the error's code when the process could not be started. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** A child that went away without being asked to (crashed, killed from outside, never started). */
export interface ChildCrash {
  name: string;
  pid: number | undefined;
  /** Exit code, signal name, or the spawn error's code. */
  exit: number | string;
  /** e.g. `server (pid 123) exited unexpectedly (1)`. */
  message: string;
  /** More about it, when the bench knows more (the server: the end of its stderr, its log); '' otherwise. */
  detail: Promise<string>;
}

/** The crash's message with the child's last output, for a log or results.json. */
export async function describeCrash(crash: ChildCrash): Promise<string> {
  const detail = await crash.detail;
  return detail ? `${crash.message}\n${detail}` : crash.message;
}

const children = new Set<Tracked>();
const crashListeners = new Set<(crash: ChildCrash) => void>();

/**
 * Calls `fn` for every child that exits without `stop()` having been called on it. Every bench
 * child is a server of requests that only ends when told to, so any other exit is a crash of
 * that part of the bench, and the orchestrator fails the running scenario with it.
 */
export function onChildCrash(fn: (crash: ChildCrash) => void): () => void {
  crashListeners.add(fn);
  return () => crashListeners.delete(fn);
}

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

/**
 * Takes charge of a child: its 'error' events (a failed spawn, a failed signal, an IPC write
 * with nowhere to report) are listened to, since an 'error' event without a listener kills the
 * orchestrator; its exit settles `exited` and fails its pending requests; an exit nobody asked
 * for is reported to `onChildCrash` listeners. `detail` adds what the child last said.
 */
export function track(name: string, child: ChildProcess, options: { detail?: () => string | Promise<string> } = {}): Tracked {
  let stopping = false;
  let spawnError: Error | undefined;
  let settle!: (exit: number | string) => void;
  const exited = new Promise<number | string>((resolve) => (settle = resolve));
  child.once('exit', (code, signal) => settle(code ?? signal ?? -1));
  child.on('error', (err: NodeJS.ErrnoException) => {
    // No pid: the process never started, and no 'exit' will follow.
    if (child.pid === undefined) {
      spawnError = err;
      settle(err.code ?? err.message);
    } else if (process.env.BENCH_DEBUG) {
      console.error(`${name}: ${err.message}`);
    }
  });
  const tracked: Tracked = {
    name,
    child,
    peer: connectPeer(child, name, exited),
    exited,
    async stop(graceMs = 5000) {
      stopping = true;
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  children.add(tracked);
  // Runs right after the peer has failed its pending requests and before those failures reach
  // the scenario's code, so a scenario that fails because of the exit finds the crash recorded.
  void exited.then((exit) => {
    children.delete(tracked);
    if (stopping) return;
    const how = spawnError ? `could not be started (${spawnError.message})` : `exited unexpectedly (${exit})`;
    const detail = Promise.resolve()
      .then(() => options.detail?.() ?? '')
      .then((text) => String(text).trim(), () => '');
    const crash: ChildCrash = { name, pid: child.pid, exit, message: `${name} (pid ${child.pid ?? '-'}) ${how}`, detail };
    for (const fn of crashListeners) fn(crash);
  });
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
