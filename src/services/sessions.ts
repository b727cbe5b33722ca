import type { Sql } from '../database/sql.js';
import type { UserRole } from '../entities/index.js';
import { AppError } from './errors.js';

/** What a verified token says, before the database has been asked whether it still holds. */
export interface TokenClaims {
  userId: string;
  firmId: string;
  /** Token expiry, epoch seconds. */
  expiresAt: number;
  /** The token's own id (`jti`); null for tokens issued before sign-out existed. */
  jti: string | null;
  /** The user's token version when the token was issued (`ver`; 0 when absent). */
  version: number;
}

/** A user's standing as the database last said: what every token of theirs is checked against. */
interface UserState {
  firmId: string;
  role: UserRole;
  tokenVersion: number;
  /** Ids of this user's signed-out tokens that have not expired yet. */
  revoked: ReadonlySet<string>;
}

export interface SessionStoreOptions {
  sql: Sql;
  /**
   * How long a user's state is trusted from memory. A token revoked by another process (sign
   * out, password change, removal, role change) is honoured here for at most this long.
   */
  ttlMs?: number;
  /** Users remembered at most (least recently loaded go first). */
  maxEntries?: number;
  nowMs?: () => number;
}

const LOAD_SQL = `select u.id, u.firm_id as "firmId", u.role, u.token_version as "tokenVersion",
    coalesce((select array_agg(r.jti::text) from revoked_tokens r where r.user_id = u.id and r.expires_at > now()), '{}') as revoked
  from users u where u.id = any($1::uuid[])`;

/**
 * Whether a verified token still holds: its user exists, its version is the user's current one
 * and it was not signed out. Answers from a per-user memory refreshed from PostgreSQL at most
 * every `ttlMs` (one query per user, not per request); `forget` drops a user at once after a
 * change made by this process, so here it applies immediately, elsewhere within `ttlMs`.
 * Invariant: a state loaded before a `forget` is never stored after it.
 */
export function createSessionStore({ sql, ttlMs = 2000, maxEntries = 50_000, nowMs = () => Date.now() }: SessionStoreOptions) {
  const cache = new Map<string, { state: UserState | null; loadedAt: number }>();
  const loading = new Map<string, Promise<void>>();
  /** Bumped by `forget`: a load that started under an older generation is discarded. */
  const generations = new Map<string, number>();

  async function load(userIds: string[]): Promise<void> {
    const started = userIds.map((id) => generations.get(id) ?? 0);
    const loadedAt = nowMs();
    const rows = await sql.query<{ id: string; firmId: string; role: UserRole; tokenVersion: number; revoked: string[] }>(LOAD_SQL, [userIds]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    userIds.forEach((id, i) => {
      if ((generations.get(id) ?? 0) !== started[i]) return;
      const row = byId.get(id);
      cache.delete(id); // re-inserted last: the Map's order is the eviction order
      cache.set(id, {
        loadedAt,
        state: row ? { firmId: row.firmId, role: row.role, tokenVersion: row.tokenVersion, revoked: new Set(row.revoked) } : null,
      });
    });
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
  }

  const fresh = (userId: string) => {
    const hit = cache.get(userId);
    return hit && nowMs() - hit.loadedAt < ttlMs ? hit : undefined;
  };

  /** Loads every stale user among `userIds` in one query, sharing loads already under way. */
  async function ensure(userIds: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    const stale: string[] = [];
    for (const id of new Set(userIds)) {
      if (fresh(id)) continue;
      const pending = loading.get(id);
      if (pending) waits.push(pending);
      else stale.push(id);
    }
    if (stale.length > 0) {
      const batch = load(stale).finally(() => {
        for (const id of stale) if (loading.get(id) === batch) loading.delete(id);
      });
      for (const id of stale) loading.set(id, batch);
      waits.push(batch);
    }
    await Promise.all(waits);
  }

  /** `ensure`, once more for users whose load was discarded by a `forget` meanwhile. */
  async function loaded(userIds: string[]): Promise<void> {
    await ensure(userIds);
    const missing = userIds.filter((id) => !cache.has(id));
    if (missing.length > 0) await ensure(missing);
  }

  /** Why `claims` no longer hold, or null. Expects the user to be loaded. */
  function refusal(claims: TokenClaims): AppError | null {
    const entry = cache.get(claims.userId);
    if (!entry) return new AppError('UNAUTHENTICATED', 'token could not be checked; try again');
    const state = entry.state;
    if (!state) return new AppError('UNAUTHENTICATED', 'the user of this token no longer exists');
    if (state.firmId !== claims.firmId) return new AppError('UNAUTHENTICATED', 'token is invalid');
    if (claims.version !== state.tokenVersion) return new AppError('UNAUTHENTICATED', 'token has been revoked: the password was changed; sign in again');
    if (claims.jti !== null && state.revoked.has(claims.jti)) return new AppError('UNAUTHENTICATED', 'token has been revoked: signed out');
    return null;
  }

  function roleOf(claims: TokenClaims): UserRole {
    const refused = refusal(claims);
    if (refused) throw refused;
    return cache.get(claims.userId)!.state!.role;
  }

  return {
    /**
     * The caller's role if `claims` still hold; throws UNAUTHENTICATED saying why not. While the
     * user's entry is fresh this is synchronous (no promise): the per-request cost is a lookup.
     */
    check(claims: TokenClaims): UserRole | Promise<UserRole> {
      const hit = fresh(claims.userId);
      if (!hit) return loaded([claims.userId]).then(() => roleOf(claims));
      if (hit.state && hit.state.tokenVersion === claims.version && hit.state.firmId === claims.firmId && !(claims.jti && hit.state.revoked.has(claims.jti))) {
        return hit.state.role;
      }
      return roleOf(claims);
    },

    /** For long-lived connections: which of `claims` no longer hold (one query for all stale users). */
    async refused(claims: readonly TokenClaims[]): Promise<(AppError | null)[]> {
      await loaded(claims.map((c) => c.userId));
      // Only a definite answer refuses: a user whose load was discarded twice is checked next time.
      return claims.map((c) => (cache.has(c.userId) ? refusal(c) : null));
    },

    /** Drops what is known of `userId`: the next check reads the database (after a change here). */
    forget(userId: string): void {
      generations.set(userId, (generations.get(userId) ?? 0) + 1);
      cache.delete(userId);
      loading.delete(userId);
    },

    size: () => cache.size,
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
