/**
 * Compares two V8 heap snapshots (as the bench writes with --heap-snapshots): which kinds of
 * object grew, by count and retained-free "self" bytes, divided by a number of subscriptions.
 *   npx tsx bench/tools/heap-diff.ts before.heapsnapshot after.heapsnapshot --per 1000
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function tally(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'ƒ ' : ''}${snap.strings[snap.nodes[i + nameAt]!]}` : `(${type})`;
    const entry = out.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += snap.nodes[i + sizeAt]!;
    out.set(name, entry);
  }
  return out;
}

export function heapDiff(before: string, after: string, per: number, top = 30): string {
  const a = tally(before);
  const b = tally(after);
  const rows = [...b].map(([name, e]) => {
    const old = a.get(name) ?? { count: 0, bytes: 0 };
    return { name, count: (e.count - old.count) / per, bytes: (e.bytes - old.bytes) / per };
  });
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const lines = [`growth per unit (÷ ${per}): ${(total / 1024).toFixed(1)} KB self size in total`, '', '   bytes   objects  kind'];
  for (const r of rows.sort((x, y) => y.bytes - x.bytes).slice(0, top)) {
    lines.push(`${r.bytes.toFixed(0).padStart(8)}  ${r.count.toFixed(1).padStart(8)}  ${r.name.slice(0, 100)}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string', default: '1' }, top: { type: 'string', default: '30' } } });
  console.log(heapDiff(positionals[0]!, positionals[1]!, Number(values.per), Number(values.top)));
}
