/**
 * Which finer head a stored item or remembered label moves to, for the migration that
 * introduces the finer heads. Kept beside the classifier so a test can check it without a
 * database.
 */

import { createClassifier } from './classifier.js';
import { groupOf, isGroupCode, isHeadCode } from './heads.js';
import type { Statement } from './fields.js';

const classifier = createClassifier();

/**
 * The finer head for an item stored under group `head`, or null to leave it: the label must
 * match a phrase of a finer head of the same group exactly or as a whole phrase (rules 1 and 2,
 * confidence ≥ 0.85). A head that is already finer, unknown, or a label that points elsewhere
 * stays as it is: a person may have chosen it.
 */
export function refineStoredHead(statement: string, label: string, head: string): string | null {
  if (!isGroupCode(head) || (statement !== 'BALANCE_SHEET' && statement !== 'PROFIT_AND_LOSS')) return null;
  const result = classifier.classify(label, statement as Statement);
  if (!result.head || result.head === head || !isHeadCode(result.head)) return null;
  if (result.rule !== 'EXACT' && result.rule !== 'PHRASE') return null;
  return groupOf(result.head) === head ? result.head : null;
}
