import type { LoadResult } from '../load/http-load.js';
import { summarize } from './stats.js';

/** What one slice of a load run reports: bench/load/http-load.ts's result, with `keepSamples`. */
export type Slice = Omit<LoadResult, 'rps' | 'latency'>;

/** A side's slices merged: one load result, plus each slice's own rate and latency. */
export type Merged = Omit<LoadResult, 'samples'> & { slices: { rps: number; p50: number; p99: number }[] };

/**
 * This machine is shared and its disk's fsync time drifts: a baseline measured first and the
 * service measured a minute later can see different machines. So both run in alternating
 * slices (baseline, service, baseline, service…) and each side's slices are merged.
 */
export async function alternate(slices: number, baseline: (slice: number) => Promise<Slice>, service: (slice: number) => Promise<Slice>) {
  return alternateSides(slices, { baseline, service });
}

/** `alternate` with any number of sides, run in the order given within each slice. */
export async function alternateSides<K extends string>(slices: number, sides: Record<K, (slice: number) => Promise<Slice>>): Promise<Record<K, Merged>> {
  const names = Object.keys(sides) as K[];
  const runs = new Map<K, Slice[]>(names.map((k) => [k, []]));
  for (let i = 0; i < slices; i++) for (const k of names) runs.get(k)!.push(await sides[k](i));
  return Object.fromEntries(names.map((k) => [k, merge(runs.get(k)!)])) as Record<K, Merged>;
}

export function merge(slices: Slice[]): Merged {
  const samples: number[] = [];
  for (const s of slices) for (const v of s.samples ?? []) samples.push(v);
  const completed = slices.reduce((a, s) => a + s.completed, 0);
  const elapsedMs = slices.reduce((a, s) => a + s.elapsedMs, 0);
  return {
    completed,
    errors: slices.reduce((a, s) => a + s.errors, 0),
    firstError: slices.find((s) => s.firstError)?.firstError ?? null,
    elapsedMs,
    rps: (completed / elapsedMs) * 1000,
    latency: summarize(samples),
    exhausted: slices.some((s) => s.exhausted),
    slices: slices.map((s) => {
      const l = summarize(s.samples ?? []);
      return { rps: (s.completed / s.elapsedMs) * 1000, p50: l.p50, p99: l.p99 };
    }),
  };
}
