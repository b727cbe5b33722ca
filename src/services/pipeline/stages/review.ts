import type { Stage } from '../stage.js';

/** REVIEW: a gate. Passes at once when nothing needs review; else the run pauses as REVIEWING. */
export function reviewStage(): Stage {
  return {
    name: 'REVIEW',
    weight: 1,
    async run(ctx) {
      const [{ pending = 0 } = {}] = await ctx.sql.query<{ pending: number }>(
        'select count(*)::int as pending from line_items where project_id = $1 and needs_review',
        [ctx.projectId],
      );
      if (pending === 0) return;
      return {
        pause: 'REVIEWING',
        message: `${pending} line item${pending === 1 ? ' needs' : 's need'} review: classify them, then start processing again`,
      };
    },
  };
}
