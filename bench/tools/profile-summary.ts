/**
 * Summarises a V8 .cpuprofile (as the bench writes with --profile): self time by function and
 * by package (node_modules/<pkg>, src/<dir>, node: internals), so a profile can be quoted in
 * the README as evidence.
 *   npx tsx bench/tools/profile-summary.ts bench/.out/start-50-clients.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Samples under node:inspector are the profiler stopping and serialising itself: dropped.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const underInspector = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur)?.callFrame.url === 'node:inspector') return true;
    }
    return false;
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (!underInspector(id)) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fnTime = new Map<string, number>();
  const pkgTime = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
    const fn = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    fnTime.set(fn, (fnTime.get(fn) ?? 0) + us);
    pkgTime.set(packageOf(url, functionName), (pkgTime.get(packageOf(url, functionName)) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const lines = [`${file}: ${(total / 1000).toFixed(0)} ms sampled over ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms`, '', 'self time by package:'];
  for (const [pkg, us] of [...pkgTime].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${pkg}`);
  lines.push('', 'self time by function:');
  for (const [fn, us] of [...fnTime].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${fn}`);
  lines.push('', ...longTasks(profile, byId, parent, underInspector));
  return lines.join('\n');
}

/**
 * Stretches of consecutive non-idle samples (the event loop not coming back) longer than
 * `minMs`, each with the application frames (src/…) that account for most of it: what blocks
 * the loop, rather than what costs the most in total.
 */
function longTasks(profile: Profile, byId: Map<number, Node>, parent: Map<number, number>, skip: (id: number) => boolean, minMs = 20): string[] {
  const stretches: { ms: number; frames: Map<string, number> }[] = [];
  let current: { ms: number; frames: Map<string, number> } | null = null;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const name = byId.get(id)?.callFrame.functionName;
    if (name === '(idle)' || skip(id)) {
      if (current && current.ms >= minMs) stretches.push(current);
      current = null;
      return;
    }
    current ??= { ms: 0, frames: new Map() };
    current.ms += dt;
    // The innermost frame of ours (src/) on this sample's stack names the work.
    let label = '(no src/ frame)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const m = f.url.includes("/node_modules/") ? null : /\/(src\/.*)$/.exec(f.url);
      if (m) {
        label = `${f.functionName || '(anonymous)'} ${m[1]}:${f.lineNumber + 1}`;
        break;
      }
    }
    current.frames.set(label, (current.frames.get(label) ?? 0) + dt);
  });
  const lines = [`loop blocked ≥ ${minMs} ms: ${stretches.length} times; longest, with the src/ frames they ran in:`];
  for (const s of stretches.sort((a, b) => b.ms - a.ms).slice(0, 8)) {
    const top = [...s.frames].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([f, ms]) => `${f} (${ms.toFixed(0)} ms)`);
    lines.push(`  ${s.ms.toFixed(0).padStart(5)} ms  ${top.join('; ')}`);
  }
  return lines;
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const ours = /\/(src|bench)\/(.*)\/[^/]+$/.exec(url) ?? /\/(src|bench)\/([^/]+)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  for (const file of positionals) console.log(summarizeProfile(file, Number(values.top)) + '\n');
}
