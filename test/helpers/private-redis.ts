import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../../src/database/embedded.js';

/**
 * A Redis server of the test's own (`redis-server --port P --save ""`) on a free loopback
 * port, so the test can kill and restart it; never the machine's Redis, which other test files
 * share. `kill` is SIGKILL (nothing flushed, connections cut); `start` brings it back on the
 * same port, empty, as a restarted cache would be.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const redis = new PrivateRedis(port);
  await redis.start();
  return redis;
}

export class PrivateRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    child.stdout!.on('data', (chunk) => (output += String(chunk)));
    child.stderr!.on('data', (chunk) => (output += String(chunk)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on ${this.port} did not start: ${output}`)), 10_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${output}`));
      });
      const onData = () => {
        if (!output.includes('Ready to accept connections')) return;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve();
      };
      child.stdout!.on('data', onData);
    });
  }

  /** The end of a test's own Redis: the same as `kill`. */
  stop(): Promise<void> {
    return this.kill();
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** A plain client, for counting keys in tests. */
  client(): Redis {
    return new Redis(this.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  }
}
