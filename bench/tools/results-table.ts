/**
 * Prints a results file (default bench/results.json) as the Markdown table the README holds,
 * with the run's date, machine, commit and the other load seen before each scenario.
 *   npx tsx bench/tools/results-table.ts [bench/results.json]
 */
import { readFileSync } from 'node:fs';
import { formatTable, type Figure } from '../lib/results.js';

interface Results {
  meta: {
    date: string;
    mode: string;
    wallSeconds: number;
    source?: { commit: string; srcDirty: boolean } | null;
    machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
    database: { engine: string; version: string };
    otherLoadBeforeScenario?: Record<string, number | null>;
    serverEnv?: Record<string, string>;
    serverEntry?: string;
  };
  figures: Figure[];
}

const file = process.argv[2] ?? new URL('../results.json', import.meta.url).pathname;
const { meta, figures } = JSON.parse(readFileSync(file, 'utf8')) as Results;
const other = Object.entries(meta.otherLoadBeforeScenario ?? {})
  .map(([k, v]) => `${k} ${v === null ? '—' : `${Math.round(v * 100)} %`}`)
  .join(', ');
console.log(
  [
    `${meta.mode} run of ${meta.date.slice(0, 16).replace('T', ' ')} UTC, commit ${meta.source?.commit.slice(0, 7) ?? '?'}${meta.source?.srcDirty ? ' (src modified)' : ''}` +
      `${meta.serverEntry && meta.serverEntry !== 'src/main.ts' ? `, entry ${meta.serverEntry}` : ''}` +
      `${meta.serverEnv && Object.keys(meta.serverEnv).length ? `, env ${JSON.stringify(meta.serverEnv)}` : ''}; ` +
      `${meta.machine.cpus} × ${meta.machine.cpuModel}, ${meta.machine.memoryGiB} GiB, Node ${meta.machine.node}; ` +
      `PostgreSQL ${meta.database.version} (${meta.database.engine}); wall ${Math.round(meta.wallSeconds)} s.`,
    other ? `CPU used by other work on the machine just before each scenario: ${other}.` : '',
    '',
    formatTable(figures),
  ].join('\n'),
);
