/**
 * Micro-benchmark: what the revocation check adds to each authenticated request. Times
 * `auth.verify` (signature, from the verified-token cache) against `auth.authenticate` (the
 * same plus the per-user session check: from memory while fresh, one query per user when its
 * entry is older than the session cache's 2 s), in process, on a real PostgreSQL.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/tools/auth-check.ts
 *
 * Creates a scratch database on that server and drops it. Indicative on a shared machine.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createOrm } from '../../src/database/orm.js';
import { createSql } from '../../src/database/sql.js';
import { User } from '../../src/entities/index.js';
import { createAuthService } from '../../src/services/auth.js';
import { createLogger } from '../../src/services/logger.js';

const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `cma_authbench_${randomBytes(4).toString('hex')}`;
const query = async (text: string) => {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(text).finally(() => client.end());
};
await query(`create database ${name}`);
const url = new URL(admin);
url.pathname = `/${name}`;
const logger = createLogger('silent', false);
const orm = await createOrm(url.toString(), logger, 4);
try {
  const sql = createSql(orm);
  const auth = createAuthService({ secret: randomBytes(32), expiresIn: '1h', sql });
  const em = orm.em.fork();
  const { token, user } = await auth.signUp(em, { firmName: 'Bench', name: 'B', email: 'bench@example.in', password: 'a long passphrase' });
  void (user satisfies User);

  const time = async (label: string, n: number, fn: () => Promise<unknown>) => {
    for (let i = 0; i < Math.min(n, 1000); i++) await fn(); // warm-up
    const start = performance.now();
    for (let i = 0; i < n; i++) await fn();
    const us = ((performance.now() - start) * 1000) / n;
    console.log(`${label.padEnd(52)} ${us.toFixed(2).padStart(8)} µs/call  (n=${n})`);
    return us;
  };
  const n = 200_000;
  const verify = await time('verify (signature cache hit)', n, () => auth.verify(token));
  const authenticate = await time('authenticate (verify + session check, cache hit)', n, () => auth.authenticate(token));
  const miss = await time('authenticate after forget (one query each)', 2_000, () => {
    auth.forget(user.id);
    return auth.authenticate(token);
  });
  console.log(`revocation check, in memory: +${(authenticate - verify).toFixed(2)} µs per request; on a miss (every 2 s per user): +${(miss - verify).toFixed(0)} µs`);
} finally {
  await orm.close(true);
  await query(`drop database if exists ${name} with (force)`);
}
