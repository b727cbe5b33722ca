import { createClassifier, type Classifier } from '../../cma/classifier.js';
import type { Statement } from '../../cma/fields.js';
import type { Stage } from '../stage.js';

/**
 * CLASSIFY: gives every line item a head and a confidence, with the firm's remembered labels
 * first (one classifier per statement, since a label is remembered per statement). Batches by
 * id, all in one transaction with the checkpoint.
 */
export function classifyStage({ reviewThreshold, batchSize = 10_000 }: { reviewThreshold: number; batchSize?: number }): Stage {
  return {
    name: 'CLASSIFY',
    weight: 35,
    async isCheckpointed(ctx) {
      const rows = await ctx.sql.query<{ digest: string | null }>(
        'select classified_digest as digest from cma_projects where id = $1',
        [ctx.projectId],
      );
      return rows[0]?.digest === ctx.documentsDigest;
    },
    async run(ctx) {
      const remembered = await ctx.sql.query<{ statement: Statement; label: string; head: string }>(
        'select statement, label, head from firm_label_heads where firm_id = $1',
        [ctx.firmId],
      );
      const classifiers = {} as Record<Statement, Classifier>;
      for (const statement of ['BALANCE_SHEET', 'PROFIT_AND_LOSS'] as const) {
        const labels = new Map(remembered.filter((r) => r.statement === statement).map((r) => [r.label, r.head]));
        classifiers[statement] = createClassifier({ remembered: labels, reviewThreshold });
      }
      await ctx.sql.tx(async (tx) => {
        const [{ total = 0 } = {}] = await tx.query<{ total: number }>(
          'select count(*)::int as total from line_items where project_id = $1',
          [ctx.projectId],
        );
        // Results go to a temporary table by COPY, then into line_items with ONE update: far
        // cheaper than an update per batch (every updated row is a new row version).
        await tx.query(
          'create temporary table classified (id bigint, head text, confidence float8, needs_review bool) on commit drop',
        );
        const started = performance.now();
        let done = 0;
        let after = '0';
        while (true) {
          ctx.signal.throwIfAborted();
          const items = await tx.query<{ id: string; statement: Statement; label: string }>(
            `select id, statement, label from line_items where project_id = $1 and id > $2 order by id limit $3`,
            [ctx.projectId, after, batchSize],
          );
          if (items.length === 0) break;
          let chunk = '';
          for (const item of items) {
            const r = classifiers[item.statement].classify(item.label, item.statement);
            chunk += `${item.id}\t${r.head ?? '\\N'}\t${r.confidence}\t${r.needsReview}\n`;
          }
          // One COPY per page: the connection cannot run the next SELECT while a COPY is open.
          await tx.copy('copy classified (id, head, confidence, needs_review) from stdin', [chunk]);
          after = items[items.length - 1]!.id;
          done += items.length;
          // Classifying is most of the work; the single update below is the rest.
          ctx.reportProgress(total === 0 ? 0.8 : (0.8 * done) / total);
        }
        ctx.signal.throwIfAborted();
        const t0 = performance.now();
        await tx.query(
          `update line_items l set head = c.head, confidence = c.confidence, needs_review = c.needs_review
           from classified c where l.id = c.id`,
        );
        ctx.logger.info({ items: done, classifyMs: Math.round(t0 - started), updateMs: Math.round(performance.now() - t0) }, 'classified line items');
        ctx.reportProgress(1);
        await tx.query('update cma_projects set classified_digest = $2 where id = $1', [ctx.projectId, ctx.documentsDigest]);
      });
    },
  };
}
