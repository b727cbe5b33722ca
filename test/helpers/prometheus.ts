/**
 * A small, strict parser of the Prometheus text exposition format (0.0.4): every family has
 * one HELP and one TYPE line before its samples, samples are contiguous per family and named
 * for their type (a histogram's _bucket/_sum/_count, a counter's _total), label values are
 * properly escaped, values are numbers. Anything else throws, naming the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: ['', '_total'],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | null = null;
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('exposition must end with a newline');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line.slice(0, 120)}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      let family = families.get(name);
      if (!family) {
        if (current && current.name !== name) closed.add(current.name);
        if (closed.has(name)) throw new Error(`family ${name} appears twice, ${where}`);
        family = { name, help: '', type: 'untyped', samples: [] };
        families.set(name, family);
        (family as Family & { seen: Set<string> }).seen = new Set();
      } else if (family.samples.length > 0) throw new Error(`${kind} after samples of ${name}, ${where}`);
      const seen = (family as Family & { seen: Set<string> }).seen;
      if (seen.has(kind)) throw new Error(`second ${kind} for ${name}, ${where}`);
      seen.add(kind);
      if (kind === 'HELP') family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else {
        if (!(rest in SUFFIXES)) throw new Error(`unknown type ${rest}, ${where}`);
        family.type = rest as Family['type'];
      }
      current = family;
      return;
    }
    const sample = parseSample(line, where);
    const family = current as Family | null;
    if (!family || !SUFFIXES[family.type].some((s) => sample.name === family.name + s)) {
      throw new Error(`sample ${sample.name} outside its family's block, ${where}`);
    }
    family.samples.push(sample);
  });
  for (const family of families.values()) {
    const seen = (family as Family & { seen?: Set<string> }).seen;
    if (!seen?.has('HELP') || !seen.has('TYPE')) throw new Error(`family ${family.name} lacks HELP or TYPE`);
    delete (family as Family & { seen?: Set<string> }).seen;
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
  if (!m) throw new Error(`bad sample, ${where}`);
  const [, name, rawLabels, rawValue] = m as unknown as [string, string, string | undefined, string];
  const labels: Record<string, string> = {};
  if (rawLabels) {
    let rest = rawLabels.slice(1, -1);
    while (rest.length > 0) {
      const lm = /^([^=]+)="((?:[^"\\]|\\[\\"n])*)"(,|$)/.exec(rest);
      if (!lm) throw new Error(`bad labels, ${where}`);
      const [whole, key, value] = lm as unknown as [string, string, string];
      if (!LABEL.test(key)) throw new Error(`bad label name ${key}, ${where}`);
      if (key in labels) throw new Error(`label ${key} twice, ${where}`);
      labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(whole.length);
    }
  }
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes
  // "Nan" for an event-loop mean with no sample yet).
  const special = /^([+-]?)(inf|infinity)$/i.exec(rawValue);
  const value = special ? (special[1] === '-' ? -Infinity : Infinity) : /^nan$/i.test(rawValue) ? NaN : Number(rawValue);
  if (Number.isNaN(value) && !/^nan$/i.test(rawValue)) throw new Error(`bad value ${rawValue}, ${where}`);
  return { name, labels, value };
}

/** Buckets ascend to +Inf per label set, counts never decrease, +Inf equals _count. */
function checkHistogram(family: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of family.samples.filter((x) => x.name.endsWith('_bucket'))) {
    const { le, ...rest } = s.labels;
    if (le === undefined) throw new Error(`${family.name}: bucket without le`);
    const key = JSON.stringify(rest);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, buckets] of groups) {
    const les = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
    if (les.at(-1) !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(les[i]! > les[i - 1]!) || buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family.name}${key}: buckets out of order`);
    }
    const count = family.samples.find((s) => s.name === `${family.name}_count` && JSON.stringify(s.labels) === key);
    if (count?.value !== buckets.at(-1)!.value) throw new Error(`${family.name}${key}: +Inf bucket differs from _count`);
  }
}

/** Sum of the samples named `name` whose labels include `labels` (0 when none). */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
  }
  return total;
}

/** Whether any sample named `name` exists (a gauge may be absent, e.g. Redis without REDIS_URL). */
export function hasSample(families: Map<string, Family>, name: string): boolean {
  for (const family of families.values()) if (family.samples.some((s) => s.name === name)) return true;
  return false;
}

export async function scrape(url: string, token?: string): Promise<Map<string, Family>> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (res.status !== 200) throw new Error(`scrape answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain')) throw new Error(`scrape content type ${res.headers.get('content-type')}`);
  return parsePrometheus(await res.text());
}
