import { execFileSync } from 'node:child_process';
import { buildConsole } from '../../../src/scripts/build-console.js';

/** The browser suite tests the console as built from the sources in the tree, type-checked first. */
export async function setup(): Promise<void> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'web/tsconfig.json'], { stdio: 'inherit' });
  const { ms } = await buildConsole({ quiet: true });
  console.log(`web console built in ${ms} ms`);
}
