import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/database/sql.js';
import { createSessionStore, type TokenClaims } from '../../src/services/sessions.js';

interface Row {
  id: string;
  firmId: string;
  role: 'ADMIN' | 'MEMBER';
  tokenVersion: number;
  revoked: string[];
}

/** A users table the test edits; `hold()` makes the next load wait until released. */
function fakeDatabase(rows: Row[]) {
  let queries = 0;
  let gate: Promise<void> | null = null;
  let open = () => {};
  const sql = {
    query: async (_text: string, params: unknown[]) => {
      queries += 1;
      const snapshot = structuredClone(rows.filter((r) => (params[0] as string[]).includes(r.id)));
      if (gate) await gate;
      return snapshot;
    },
    tx: () => Promise.reject(new Error('unused')),
  } as unknown as Sql;
  return {
    sql,
    rows,
    queries: () => queries,
    hold() {
      gate = new Promise((resolve) => (open = () => ((gate = null), resolve())));
    },
    release: () => open(),
  };
}

/** `check` throws synchronously when it answers from memory; as a promise either way. */
const asPromise = async <T>(fn: () => T | Promise<T>): Promise<T> => fn();

const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({ userId: 'u1', firmId: 'f1', expiresAt: 9e9, jti: 'j1', version: 0, ...over });

describe('session store', () => {
  it('answers from memory within the TTL with one query per user, then reads the database again', async () => {
    let now = 0;
    const db = fakeDatabase([{ id: 'u1', firmId: 'f1', role: 'ADMIN', tokenVersion: 0, revoked: [] }]);
    const store = createSessionStore({ sql: db.sql, ttlMs: 2000, nowMs: () => now });
    expect(await store.check(claims())).toBe('ADMIN');
    expect(store.check(claims())).toBe('ADMIN'); // synchronous while fresh
    expect(db.queries()).toBe(1);
    db.rows[0]!.revoked.push('j1');
    now = 1999;
    expect(store.check(claims())).toBe('ADMIN'); // another process's logout: not seen yet…
    now = 2000;
    await expect(asPromise(() => store.check(claims()))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token has been revoked: signed out' }); // …seen after the TTL
    expect(db.queries()).toBe(2);
  });

  it('refuses an older token version, a removed user and a token of another firm', async () => {
    const db = fakeDatabase([{ id: 'u1', firmId: 'f1', role: 'MEMBER', tokenVersion: 3, revoked: [] }]);
    const store = createSessionStore({ sql: db.sql });
    await expect(asPromise(() => store.check(claims({ version: 2 })))).rejects.toMatchObject({ message: expect.stringContaining('password was changed') });
    await expect(asPromise(() => store.check(claims({ version: 3, firmId: 'f2' })))).rejects.toMatchObject({ message: 'token is invalid' });
    expect(await store.check(claims({ version: 3, jti: null }))).toBe('MEMBER');
    await expect(asPromise(() => store.check(claims({ userId: 'gone' })))).rejects.toMatchObject({ message: 'the user of this token no longer exists' });
  });

  it('never stores a state loaded before a forget: a revocation here applies at once even during a refresh', async () => {
    const db = fakeDatabase([{ id: 'u1', firmId: 'f1', role: 'ADMIN', tokenVersion: 0, revoked: [] }]);
    const store = createSessionStore({ sql: db.sql });
    db.hold();
    const stale = store.check(claims()); // reads version 0, held
    db.rows[0]!.tokenVersion = 1; // changed by this process…
    store.forget('u1'); // …which forgets what it knew
    db.release();
    // The load that began before the change is discarded and read again: the old token is refused.
    await expect(stale).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('password was changed') });
    await expect(asPromise(() => store.check(claims()))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await store.check(claims({ version: 1 }))).toBe('ADMIN');
  });

  it('checks many connections with one query for all stale users', async () => {
    const db = fakeDatabase([
      { id: 'u1', firmId: 'f1', role: 'ADMIN', tokenVersion: 0, revoked: ['j2'] },
      { id: 'u2', firmId: 'f1', role: 'MEMBER', tokenVersion: 0, revoked: [] },
    ]);
    const store = createSessionStore({ sql: db.sql });
    const refused = await store.refused([claims(), claims({ jti: 'j2' }), claims({ userId: 'u2' }), claims({ userId: 'u3' })]);
    expect(refused.map((r) => r?.message ?? null)).toEqual([null, 'token has been revoked: signed out', null, 'the user of this token no longer exists']);
    expect(db.queries()).toBe(1);
  });
});
