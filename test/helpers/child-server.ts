import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildServer {
  process: ChildProcess;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  wsUrl: string;
  /** Every log line the child printed (JSON). */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string>;
  /** Resolves with the first log line (already printed or to come) matching `predicate`. */
  waitForLog(predicate: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/**
 * The real service in a child process (`npm start`'s entry), so a test can kill -9 it. Resolves
 * once it logs that it is ready, with the URL it listens on (PORT=0 picks a free one).
 */
export function spawnServer(
  env: Record<string, string>,
  timeoutMs = 60_000,
  /** Sees every log line from the first, before the server is ready (e.g. to kill it mid-start). */
  onLog?: (entry: Record<string, unknown>, child: ChildProcess) => void,
  /** Node's arguments: the source through tsx by default; a test of the build passes its entry. */
  args: string[] = ['--import', 'tsx', 'src/main.ts'],
): Promise<ChildServer> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const lines = new EventEmitter<{ line: [Record<string, unknown>] }>();
  const waitForLog = (predicate: (entry: Record<string, unknown>) => boolean, ms = 60_000) => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        lines.off('line', onLine);
        reject(new Error(`no matching log line within ${ms} ms; last: ${JSON.stringify(logs.slice(-3))}`));
      }, ms);
      const onLine = (entry: Record<string, unknown>) => {
        if (!predicate(entry)) return;
        clearTimeout(timer);
        lines.off('line', onLine);
        resolve(entry);
      };
      lines.on('line', onLine);
    });
  };
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      lines.emit('line', entry);
      onLog?.(entry, child);
      if (typeof entry.url === 'string' && String(entry.msg).includes('ready')) {
        clearTimeout(timer);
        const url = entry.url;
        resolve({ process: child, url, wsUrl: url.replace(/^http/, 'ws'), logs, exited, waitForLog });
      }
    });
  });
}
