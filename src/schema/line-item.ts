import type { LineItem } from '../entities/index.js';
import { requireViewer } from '../context.js';
import { builder } from './builder.js';
import { StatementEnum } from './enums.js';

export const LineItemRef = builder.objectRef<LineItem>('LineItem').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    fiscalYear: t.exposeInt('fiscalYear'),
    statement: t.expose('statement', { type: StatementEnum }),
    label: t.exposeString('label', { description: 'As written in the source document' }),
    amount: t.float({ description: 'Rupees', resolve: (item) => Number(item.amountPaise) / 100 }),
    head: t.exposeString('head', { nullable: true, description: 'CMA head code; null until classified' }),
    confidence: t.exposeFloat('confidence'),
    needsReview: t.exposeBoolean('needsReview'),
    rowNumber: t.exposeInt('rowNumber', { description: 'Line of the source document (the header is line 1)' }),
    documentId: t.exposeID('documentId'),
  }),
});

builder.mutationField('classifyLineItem', (t) =>
  t.field({
    type: LineItemRef,
    description: 'Sets the head of a line item; the firm remembers it for the same label',
    args: { lineItemId: t.arg.id({ required: true }), head: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) =>
      ctx.services.review.classify(ctx.em(), requireViewer(ctx).firmId, String(args.lineItemId), args.head),
  }),
);
