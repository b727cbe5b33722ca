import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** A person who signs in. `email` is stored lower-cased and unique across all firms. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    firmId: p.uuid().index(),
    email: p.string().length(320).unique(),
    name: p.string().length(200),
    /** scrypt$N$r$p$salt$hash, never leaves the service. */
    passwordHash: p.string().length(300).hidden(),
    createdAt: p.datetime().defaultRaw('now()'),
  }),
});
export type User = InferEntity<typeof User>;
