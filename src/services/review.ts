import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sql } from '../database/sql.js';
import { LineItem } from '../entities/index.js';
import { normalizeLabel } from './cma/classifier.js';
import { HEAD_CODES, headDefinition, isHeadCode, isHeadForStatement } from './cma/heads.js';
import { AppError, badInput, notFound } from './errors.js';

const STATEMENT_NAME = { BALANCE_SHEET: 'balance-sheet', PROFIT_AND_LOSS: 'profit-and-loss' } as const;

/**
 * A person's answer to the REVIEW gate. The choice applies to the item, to every other item of
 * the project with the same label and statement still waiting, and is remembered for the firm,
 * so its next project classifies the label with confidence 1.0.
 */
export function createReviewService({ sql }: { sql: Sql }) {
  return {
    async classify(em: EntityManager, firmId: string, rawId: string, rawHead: string): Promise<LineItem> {
      if (!/^[1-9]\d{0,17}$/.test(rawId)) throw badInput('lineItemId is not a valid id', 'lineItemId');
      const head = rawHead.trim().toUpperCase();
      if (!isHeadCode(head)) {
        throw badInput(`head "${rawHead.slice(0, 60)}" is not a CMA head; use one of ${HEAD_CODES.join(', ')}`, 'head');
      }
      const rows = await sql.query<{ projectId: string; statement: 'BALANCE_SHEET' | 'PROFIT_AND_LOSS'; label: string; isProcessing: boolean }>(
        `select li.project_id as "projectId", li.statement, li.label, p.is_processing as "isProcessing"
         from line_items li join cma_projects p on p.id = li.project_id
         where li.id = $1 and p.firm_id = $2`,
        [rawId, firmId],
      );
      const item = rows[0];
      if (!item) throw notFound('line item');
      if (!isHeadForStatement(head, item.statement)) {
        throw badInput(
          `head ${head} is a ${STATEMENT_NAME[headDefinition(head).statement]} head, but line item ${rawId} ("${item.label}") is on the ${STATEMENT_NAME[item.statement]}`,
          'head',
        );
      }
      if (item.isProcessing) throw new AppError('CONFLICT', 'this project is being processed; classify its items once the run has paused or ended');

      const label = normalizeLabel(item.label);
      await sql.tx(async (tx) => {
        const same = await tx.query<{ id: string; label: string }>(
          `select id, label from line_items where project_id = $1 and statement = $2 and needs_review and id <> $3`,
          [item.projectId, item.statement, rawId],
        );
        const ids = [rawId, ...same.filter((s) => normalizeLabel(s.label) === label).map((s) => s.id)];
        await tx.query(
          `update line_items set head = $2, confidence = 1, needs_review = false where id = any($1::bigint[])`,
          [ids, head],
        );
        await tx.query(
          `insert into firm_label_heads (firm_id, statement, label, head) values ($1, $2, $3, $4)
           on conflict (firm_id, statement, label) do update set head = excluded.head, updated_at = now()`,
          [firmId, item.statement, label, head],
        );
      });
      return em.findOneOrFail(LineItem, { id: rawId }, { refresh: true });
    },
  };
}
export type ReviewService = ReturnType<typeof createReviewService>;
