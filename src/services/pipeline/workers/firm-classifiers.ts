import type pg from 'pg';
import { createClassifier, type Classifier } from '../../cma/classifier.js';
import type { Statement } from '../../cma/fields.js';

/** One classifier per statement, bound to a firm's remembered labels as of `labelsVersion`. */
export interface FirmClassifiers {
  /** `firms.labels_version` read in the same snapshot as the labels (bigint, as text). */
  labelsVersion: string;
  classify(label: string, statement: Statement): ReturnType<Classifier['classify']>;
}

/**
 * The firm's remembered labels and its labels version, read in ONE statement (one snapshot):
 * a label taught after this read has bumped the version past the one returned, so a checkpoint
 * that records this version can never claim labels it did not see.
 */
export async function loadFirmClassifiers(client: pg.Client, firmId: string, reviewThreshold: number): Promise<FirmClassifiers> {
  const { rows } = await client.query<{ version: string; statement: Statement | null; label: string | null; head: string | null }>(
    `select f.labels_version::text as version, l.statement, l.label, l.head
     from firms f left join firm_label_heads l on l.firm_id = f.id where f.id = $1`,
    [firmId],
  );
  const remembered: Record<Statement, Map<string, string>> = { BALANCE_SHEET: new Map(), PROFIT_AND_LOSS: new Map() };
  for (const r of rows) if (r.statement && r.label !== null && r.head !== null) remembered[r.statement].set(r.label, r.head);
  const classifiers: Record<Statement, Classifier> = {
    BALANCE_SHEET: createClassifier({ remembered: remembered.BALANCE_SHEET, reviewThreshold }),
    PROFIT_AND_LOSS: createClassifier({ remembered: remembered.PROFIT_AND_LOSS, reviewThreshold }),
  };
  return {
    // No row: the firm is gone; its project goes with it (cascade), so no version is needed.
    labelsVersion: rows[0]?.version ?? '0',
    classify: (label, statement) => classifiers[statement].classify(label, statement),
  };
}
