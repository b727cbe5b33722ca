/**
 * Builds the web console (web/) into web/dist with Vite. Run by `npm install` (the `prepare`
 * script) and `npm run build:web`. Vite is a dev dependency: where it is not installed
 * (`npm ci --omit=dev`), `--if-possible` makes this a no-op that says so, and the service then
 * serves a page explaining how to build the console. Offline: everything comes from node_modules.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));

export async function buildConsole(options: { quiet?: boolean } = {}): Promise<{ ms: number }> {
  const started = performance.now();
  const { build } = await import('vite');
  // Vite takes NODE_ENV from the environment when set: under vitest it is 'test', which would
  // build React's development bundle. The console is always built for production.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: WEB, configFile: `${WEB}vite.config.ts`, mode: 'production', logLevel: options.quiet ? 'warn' : 'info' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return { ms: Math.round(performance.now() - started) };
}

function viteInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('vite');
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifPossible = process.argv.includes('--if-possible');
  if (!viteInstalled() || !existsSync(`${WEB}index.html`)) {
    const message = 'web console not built: vite is not installed (dev dependency); run `npm install` then `npm run build:web`';
    if (ifPossible) console.log(message);
    else {
      console.error(message);
      process.exitCode = 1;
    }
  } else {
    try {
      const { ms } = await buildConsole();
      console.log(`web console built into web/dist in ${ms} ms`);
    } catch (err) {
      console.error(`web console build failed: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  }
}
