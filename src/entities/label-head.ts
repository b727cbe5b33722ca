import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { STATEMENTS } from './line-item.js';

/** A firm's remembered choice: this normalised label, on this statement, is this head. */
export const LabelHead = defineEntity({
  name: 'LabelHead',
  tableName: 'firm_label_heads',
  properties: (p) => ({
    firmId: p.uuid().primary(),
    statement: p.enum([...STATEMENTS]).primary(),
    label: p.text().primary(),
    head: p.string().length(40),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});
export type LabelHead = InferEntity<typeof LabelHead>;
