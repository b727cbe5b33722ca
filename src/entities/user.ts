import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const USER_ROLES = ['ADMIN', 'MEMBER'] as const;
export type UserRole = (typeof USER_ROLES)[number];

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
    /** ADMIN manages the firm's users; MEMBER does everything with projects. */
    role: p.enum([...USER_ROLES]).default('MEMBER'),
    /** Tokens carry the version they were issued under; a password change bumps it. */
    tokenVersion: p.integer().default(0).hidden(),
    createdAt: p.datetime().defaultRaw('now()'),
  }),
});
export type User = InferEntity<typeof User>;
