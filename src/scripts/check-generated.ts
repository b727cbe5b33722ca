/**
 * Fails when a generated file checked into git is not what the code produces now:
 * `schema.graphql` (printed from the Pothos schema), and the codegen output of every target in
 * codegen.yml (`test/generated/` from test/operations, `web/src/generated/` from the console's
 * operations under web/src) against that schema. Everything is generated in memory and compared byte
 * for byte with the files on disk, so it works on a clean clone, writes nothing, and needs no
 * database. Runs first in `npm test`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, loadContext } from '@graphql-codegen/cli';
import { renderSchemaFile, SCHEMA_FILE } from './print-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODEGEN_CONFIG = path.join(ROOT, 'codegen.yml');
const FIX = 'npm run schema:print && npm run codegen';

interface Stale {
  file: string;
  problem: string;
}

/** Every generated file that differs from what the code produces; empty when all are current. */
export async function findStaleFiles(): Promise<Stale[]> {
  const stale: Stale[] = [];
  const schemaSdl = renderSchemaFile();
  compare(SCHEMA_FILE, schemaSdl, stale);

  // Codegen runs against the schema the code produces now, not the committed file: a stale
  // schema.graphql must not hide stale types (both are reported).
  const context = await loadContext(CODEGEN_CONFIG);
  const config = context.getConfig();
  if (config.schema !== 'schema.graphql') {
    throw new Error(`codegen.yml must read its schema from schema.graphql (found ${JSON.stringify(config.schema)})`);
  }
  context.updateConfig({ schema: schemaSdl, cwd: ROOT, silent: true });
  const outputs = (await generate(context, false)) as { filename: string; content: string }[];

  const outputDirs = new Set<string>();
  const produced = new Set<string>();
  for (const output of outputs) {
    const file = path.resolve(ROOT, output.filename);
    produced.add(file);
    compare(file, output.content, stale);
  }
  for (const target of Object.keys(config.generates)) {
    if (target.endsWith('/')) outputDirs.add(path.resolve(ROOT, target));
  }
  // A file left behind in an output folder (an operation file removed, a preset option changed).
  for (const dir of outputDirs) {
    for (const file of listFiles(dir)) {
      if (!produced.has(file)) stale.push({ file, problem: 'is no longer generated (delete it)' });
    }
  }
  return stale;
}

function compare(file: string, expected: string, stale: Stale[]): void {
  if (!existsSync(file)) {
    stale.push({ file, problem: 'is missing' });
    return;
  }
  const actual = readFileSync(file, 'utf8');
  if (actual !== expected) stale.push({ file, problem: `is out of date (${firstDifference(actual, expected)})` });
}

/** Where the committed file first departs from the expected one, as a short excerpt of both. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    const got = a[i];
    const want = e[i];
    if (got === want) continue;
    let column = 0;
    while (got !== undefined && want !== undefined && got[column] === want[column]) column++;
    const from = Math.max(0, column - 30);
    const show = (line: string | undefined) =>
      line === undefined ? '<end of file>' : JSON.stringify(`${from > 0 ? '…' : ''}${line.slice(from, from + 80)}`);
    return `line ${i + 1}, column ${column + 1}: committed ${show(got)}, expected ${show(want)}`;
  }
  return 'differs';
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  process.chdir(ROOT); // codegen resolves its presets and plugins from the working directory
  try {
    const stale = await findStaleFiles();
    const ms = Math.round(performance.now() - started);
    if (stale.length > 0) {
      console.error('Generated files are stale:');
      for (const { file, problem } of stale) console.error(`  ${path.relative(ROOT, file)} ${problem}`);
      console.error(`\nRegenerate them with:\n  ${FIX}\nand commit the result.`);
      process.exitCode = 1;
    } else {
      console.log(`schema.graphql, test/generated/ and web/src/generated/ are up to date (${ms} ms)`);
    }
  } catch (err) {
    // Usually an operation in test/operations that no longer matches the schema.
    console.error(`check:generated could not regenerate the files:\n${(err as Error).message ?? String(err)}`);
    console.error('\nFix test/operations (or the schema), then run:\n  ' + FIX);
    process.exitCode = 1;
  }
}
