import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** A firm of accountants: the tenant. Every other row belongs to exactly one firm. */
export const Firm = defineEntity({
  name: 'Firm',
  tableName: 'firms',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    name: p.string().length(200),
    createdAt: p.datetime().defaultRaw('now()'),
  }),
});
export type Firm = InferEntity<typeof Firm>;
