import { expect } from 'vitest';
import type { StatusEvent } from '../operations.js';
import type { DbReader, RunFacts } from './run-facts.js';

/** What must never reach a client or a user-facing message: SQL, stack frames, paths, connection details. */
export const LEAKS =
  /\bselect\b.+\bfrom\b|\binsert into\b|\bupdate \w+ set\b|\bdelete from\b|\n\s+at |\bat \S+ \(|\.[cm]?[jt]s:\d+|node_modules|ECONNREFUSED|127\.0\.0\.1|postgres:\/\//i;

/**
 * The invariants a fault must leave intact, and its acceptable outcomes: the project is no
 * longer processing and no run is active anywhere; it ended COMPLETED with every row of the
 * file exactly once and a report, or ERROR with a readable message (`errorMessage`) and either
 * all or none of the rows; no run active anywhere (unless `othersMayRun`); one run, resumed rather than duplicated; the event log has unique
 * sequences that increase in the order they were written, and no "X finished" or final status
 * twice for the run.
 */
export async function expectEndedWhole(
  reader: DbReader,
  projectId: string,
  opts: { rows: number; errorMessage: RegExp; /** Other projects' runs may still be active. */ othersMayRun?: boolean },
): Promise<RunFacts> {
  const facts = await reader.facts(projectId);
  expect(facts.isProcessing).toBe(false);
  if (!opts.othersMayRun) expect(facts.activeRunsAnywhere).toBe(0);
  expect(['COMPLETED', 'ERROR']).toContain(facts.status);
  if (facts.status === 'COMPLETED') {
    expect(facts.lineItems).toEqual({ count: opts.rows, distinctRows: opts.rows });
    expect(facts.hasReport).toBe(true);
  } else {
    expect(facts.errorMessage).toMatch(opts.errorMessage);
    expect(facts.errorMessage).not.toMatch(LEAKS);
    expect([0, opts.rows]).toContain(facts.lineItems.count);
    expect(facts.lineItems.distinctRows).toBe(facts.lineItems.count);
  }
  expect(facts.runs).toHaveLength(1);
  expect(facts.runs[0]!.status).toEqual(facts.status === 'COMPLETED' ? 'COMPLETED' : expect.stringMatching(/^(ERROR|INTERRUPTED)$/));
  expect(facts.sequences).toEqual([...facts.sequences].sort((a, b) => a - b));
  expect(new Set(facts.sequences).size).toBe(facts.sequences.length);
  expect(Math.max(...facts.sequences)).toBeLessThanOrEqual(facts.lastSequence);
  expect(facts.repeatedOnceOnlyMessages).toEqual([]);
  return facts;
}

/** Events as one subscriber received them: sequences strictly increasing, none repeated. */
export function expectIncreasing(events: StatusEvent[]): void {
  const sequences = events.map((e) => e.projectStatus.sequence);
  for (let i = 1; i < sequences.length; i++) expect(sequences[i]).toBeGreaterThan(sequences[i - 1]!);
}
