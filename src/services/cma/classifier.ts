/**
 * Gives a line item a CMA head and a confidence, by PIPELINE.md's matching rules:
 *
 * 1. the normalized label equals a phrase of the table, or a label the firm confirmed: 1.0;
 * 2. every word of a phrase appears in the label: 0.85. The longest phrase wins, by word count
 *    and then by characters ("bank interest received" → `interest received` beats
 *    `bank interest`). Phrases of two different heads at the same best length are a tie: 0.5,
 *    and the head is the tied head that comes first in the table, so a reviewer sees a
 *    suggestion rather than a blank;
 * 3. a distinctive word of a head appears: 0.6. Distinctive words of two different heads are
 *    treated like a phrase tie: 0.5, first head in table order;
 * 4. nothing: no head, 0.
 *
 * Ties are decided between *groups* (PIPELINE.md's 24 heads): two finer heads of one group at the
 * same best length are no tie, the item gets the group's own code with the rule's confidence.
 * So an item's group and confidence are exactly what today's 24-head table gives it.
 *
 * Only heads of the line item's statement are candidates, for every rule including remembered
 * labels. A remembered label outranks a table phrase when both match exactly: the firm's
 * confirmation is the more specific knowledge.
 */

import type { Statement } from './fields.js';
import { GROUP_CODES, HEAD_TABLE, groupOf, isHeadCode, isHeadForStatement, type GroupCode, type HeadCode, type HeadDefinition } from './heads.js';

/** Which rule produced a classification, for the review screen and for debugging. */
export type ClassificationRule = 'EXACT' | 'REMEMBERED' | 'PHRASE' | 'TIE' | 'WORD' | 'NONE';

/** The outcome of classifying one label. */
export interface Classification {
  readonly head: HeadCode | null;
  /** 1.0, 0.85, 0.6, 0.5 or 0, by rule. */
  readonly confidence: number;
  /** `confidence < reviewThreshold`: a person must confirm the head before validation. */
  readonly needsReview: boolean;
  readonly rule: ClassificationRule;
}

/** Options of {@link createClassifier}. */
export interface ClassifierOptions {
  /** Labels the firm has confirmed, normalized or not (keys are normalized again), → head. */
  readonly remembered?: ReadonlyMap<string, string>;
  /** Items below this confidence need review. PIPELINE.md's REVIEW_THRESHOLD, default 0.75. */
  readonly reviewThreshold?: number;
  /**
   * Another head table, for tests that compare with an earlier table (every head's `parent`
   * must be one of the 24 groups). Default: the project's table.
   */
  readonly table?: readonly TableRow[];
}

/** What the classifier needs of a head-table row. */
export type TableRow = Pick<HeadDefinition, 'statement' | 'phrases' | 'distinctive'> & { readonly code: HeadCode; readonly parent: GroupCode };

/** A classifier bound to one firm's remembered labels. */
export interface Classifier {
  classify(label: string, statement: Statement): Classification;
}

/** The confidence each rule gives; tests and the review screen can refer to these by name. */
export const CONFIDENCE = { EXACT: 1, PHRASE: 0.85, WORD: 0.6, TIE: 0.5, NONE: 0 } as const;

/**
 * Lower-cases, drops `a/c` (as a word of its own), turns `&` into `and`, drops apostrophes
 * (`partners'` → `partners`) and other punctuation, drops the word `account`, and collapses
 * spaces. Idempotent, so normalizing an already-normalized label changes nothing.
 */
export function normalizeLabel(label: string): string {
  return normalizedWords(label).join(' ');
}

/** {@link normalizeLabel} as its list of words; the classifier needs both forms. */
function normalizedWords(label: string): string[] {
  const text = label.toLowerCase();
  // Normalizing is most of the cost of classifying. Plain ASCII labels without `&`, `/` or
  // apostrophes (nearly all of them) only need splitting, which is about three times faster
  // than the Unicode-aware chain below; both give the same result for such labels.
  const words = NEEDS_FULL_NORMALIZATION.test(text)
    ? text
        .replace(/(?<![\p{L}\p{N}])a\/c(?![\p{L}\p{N}])/gu, ' ')
        .replace(/&/g, ' and ')
        .replace(/['’`]/g, '')
        .split(/[^\p{L}\p{N}]+/u)
    : text.split(/[^a-z0-9]+/);
  return words.filter((word) => word !== '' && word !== 'account');
}

const NEEDS_FULL_NORMALIZATION = /[^\x00-\x7f]|[&'`/]/;

interface Phrase {
  readonly head: HeadCode;
  readonly group: GroupCode;
  /** Distinct words, for the containment test. */
  readonly words: readonly string[];
  /** Word and character counts of the normalized phrase, for "longest wins". */
  readonly length: number;
  readonly chars: number;
}

/** Everything one statement's lookups need, built once per process. */
interface StatementIndex {
  readonly exact: ReadonlyMap<string, HeadCode>;
  /** Each phrase filed under one of its words (its rarest), so a label only visits phrases
   *  that share at least that word with it. */
  readonly byAnchor: ReadonlyMap<string, readonly Phrase[]>;
  readonly distinctive: ReadonlyMap<string, HeadCode>;
}

const GROUP_ORDER: ReadonlyMap<GroupCode, number> = new Map(GROUP_CODES.map((code, i) => [code, i]));

function buildIndex(statement: Statement, table: readonly TableRow[] = HEAD_TABLE): StatementIndex {
  const heads = table.filter((head) => head.statement === statement);
  const phrases: Phrase[] = [];
  const exact = new Map<string, HeadCode>();
  const distinctive = new Map<string, HeadCode>();
  const wordFrequency = new Map<string, number>();
  for (const head of heads) {
    for (const text of head.phrases) {
      const normalized = normalizeLabel(text);
      // Two heads claiming the same phrase would make rule 1 ambiguous; the table must not.
      if (exact.has(normalized)) throw new Error(`phrase "${text}" is listed twice for ${statement}`);
      exact.set(normalized, head.code);
      const all = normalized.split(' ');
      const words = [...new Set(all)];
      phrases.push({ head: head.code, group: head.parent, words, length: all.length, chars: normalized.length });
      for (const word of words) wordFrequency.set(word, (wordFrequency.get(word) ?? 0) + 1);
    }
    for (const word of head.distinctive) distinctive.set(word, head.code);
  }
  const byAnchor = new Map<string, Phrase[]>();
  for (const phrase of phrases) {
    let anchor = phrase.words[0] ?? '';
    for (const word of phrase.words) {
      if ((wordFrequency.get(word) ?? 0) < (wordFrequency.get(anchor) ?? 0)) anchor = word;
    }
    const list = byAnchor.get(anchor);
    if (list) list.push(phrase);
    else byAnchor.set(anchor, [phrase]);
  }
  return { exact, byAnchor, distinctive };
}

// The table is static, so the indexes are shared by every classifier.
const INDEXES: Readonly<Record<Statement, StatementIndex>> = {
  BALANCE_SHEET: buildIndex('BALANCE_SHEET'),
  PROFIT_AND_LOSS: buildIndex('PROFIT_AND_LOSS'),
};

/**
 * Builds a classifier for one firm. Classification is pure and synchronous; the indexes make
 * it a few map lookups per word of the label.
 */
export function createClassifier(options: ClassifierOptions = {}): Classifier {
  const threshold = options.reviewThreshold ?? 0.75;
  const table = options.table;
  const indexes = table ? { BALANCE_SHEET: buildIndex('BALANCE_SHEET', table), PROFIT_AND_LOSS: buildIndex('PROFIT_AND_LOSS', table) } : INDEXES;
  const remembered = new Map<string, HeadCode>();
  for (const [label, head] of options.remembered ?? []) {
    // A head that no longer exists in the table is ignored rather than trusted.
    if (isHeadCode(head)) remembered.set(normalizeLabel(label), head);
  }

  const result = (head: HeadCode | null, confidence: number, rule: ClassificationRule): Classification => ({
    head,
    confidence,
    needsReview: confidence < threshold,
    rule,
  });

  return {
    classify(label, statement) {
      const words = normalizedWords(label);
      const normalized = words.join(' ');
      const index = indexes[statement];

      const confirmed = remembered.get(normalized);
      if (confirmed && isHeadForStatement(confirmed, statement)) return result(confirmed, CONFIDENCE.EXACT, 'REMEMBERED');
      const exact = index.exact.get(normalized);
      if (exact) return result(exact, CONFIDENCE.EXACT, 'EXACT');
      if (normalized === '') return result(null, CONFIDENCE.NONE, 'NONE');

      const phrase = bestPhrase(index, words);
      if (phrase) {
        return phrase.tied
          ? result(phrase.head, CONFIDENCE.TIE, 'TIE')
          : result(phrase.head, CONFIDENCE.PHRASE, 'PHRASE');
      }

      // Distinctive words of one group agree (its finer heads collapse to the group when they
      // differ); words of two groups are a tie, resolved to the group first in table order.
      let wordHead: HeadCode | null = null;
      let wordTie = false;
      for (const word of words) {
        const head = index.distinctive.get(word);
        if (!head || head === wordHead) continue;
        if (wordHead === null) {
          wordHead = head;
        } else if (groupOf(head) === groupOf(wordHead)) {
          wordHead = groupOf(head);
        } else {
          wordTie = true;
          if (order(head) < order(wordHead)) wordHead = groupOf(head);
          else wordHead = groupOf(wordHead);
        }
      }
      if (wordHead) return result(wordHead, wordTie ? CONFIDENCE.TIE : CONFIDENCE.WORD, wordTie ? 'TIE' : 'WORD');
      return result(null, CONFIDENCE.NONE, 'NONE');
    },
  };
}

/**
 * The longest phrase whose words all appear in `words`. `tied` when a phrase of another group
 * matches at the same word and character count; then `head` is the first of the tied groups in
 * table order. Equal-length phrases of two finer heads of one group give that group's code.
 */
function bestPhrase(index: StatementIndex, words: readonly string[]): { head: HeadCode; tied: boolean } | null {
  let best: Phrase | null = null;
  let head: HeadCode | null = null;
  let tied = false;
  for (const word of words) {
    const candidates = index.byAnchor.get(word);
    if (!candidates) continue;
    for (const phrase of candidates) {
      // Labels are a handful of words, so a linear `includes` beats building a Set.
      if (!containsAll(words, phrase.words)) continue;
      if (best === null || longer(phrase, best)) {
        best = phrase;
        head = phrase.head;
        tied = false;
      } else if (!longer(best, phrase) && phrase.head !== head) {
        if (phrase.group === best.group && !tied) {
          head = phrase.group;
        } else if (phrase.group !== best.group) {
          tied = true;
          if (order(phrase.head) < order(best.head)) best = phrase;
          head = best.group;
        }
      }
    }
  }
  return best && head ? { head: tied ? best.group : head, tied } : null;
}

function containsAll(words: readonly string[], required: readonly string[]): boolean {
  for (const word of required) if (!words.includes(word)) return false;
  return true;
}

function longer(a: Phrase, b: Phrase): boolean {
  return a.length > b.length || (a.length === b.length && a.chars > b.chars);
}

/** Tie order: by group, in PIPELINE.md's order, as the 24-head table broke ties. */
function order(head: HeadCode): number {
  return GROUP_ORDER.get(groupOf(head)) ?? Number.MAX_SAFE_INTEGER;
}
