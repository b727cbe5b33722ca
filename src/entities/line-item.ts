import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const STATEMENTS = ['BALANCE_SHEET', 'PROFIT_AND_LOSS'] as const;
export type Statement = (typeof STATEMENTS)[number];

/** A row of a statement, pooled over the project's documents. Money in integer paise. */
export const LineItem = defineEntity({
  name: 'LineItem',
  tableName: 'line_items',
  properties: (p) => ({
    id: p.bigint('string').primary().autoincrement(),
    projectId: p.uuid(),
    documentId: p.uuid(),
    rowNumber: p.integer(),
    fiscalYear: p.smallint(),
    statement: p.enum([...STATEMENTS]),
    label: p.text(),
    amountPaise: p.bigint('bigint'),
    head: p.string().length(40).nullable(),
    confidence: p.float().default(0),
    needsReview: p.boolean().default(false),
  }),
});
export type LineItem = InferEntity<typeof LineItem>;
