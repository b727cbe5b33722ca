import { randomBytes, randomUUID, scrypt, timingSafeEqual, webcrypto, type ScryptOptions } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type { Sql } from '../database/sql.js';
import { Firm, User, type UserRole } from '../entities/index.js';
import { AppError, badInput } from './errors.js';
import { createSessionStore, type TokenClaims } from './sessions.js';
import { createVerifiedTokenCache } from './verified-tokens.js';

/**
 * Who is calling, from a verified token that still holds (not signed out, not from before a
 * password change, its user not removed). Every service call is scoped by `firmId`.
 */
export interface Viewer extends TokenClaims {
  /** As the database said at most a few seconds ago (see `SessionStore`). */
  role: UserRole;
}

export interface AuthPayload {
  token: string;
  user: User;
}

const SCRYPT: ScryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const PASSWORD_MIN = 10;
const PASSWORD_MAX = 200;

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$<N>$<r>$<p>$<salt b64>$<key b64>`: parameters travel with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, , , , salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// Verified against when the email is unknown, so both paths cost the same time.
const DUMMY_HASH = hashPassword(randomBytes(12).toString('hex'));

export interface AuthServiceOptions {
  secret: Uint8Array;
  expiresIn: string;
  /** Where revocations live; without it (unit tests of `verify` only) `authenticate` is unavailable. */
  sql?: Sql;
  /** How long a user's token version and sign-outs are trusted from memory. Default 2 s. */
  sessionCacheMs?: number;
  /** How many verified tokens to remember (each until its expiry). Default 10,000. */
  verifiedTokenCacheSize?: number;
}

export function createAuthService({ secret, expiresIn, sql, sessionCacheMs = 2000, verifiedTokenCacheSize = 10_000 }: AuthServiceOptions) {
  // Imported once: given the secret as bytes, jose imports a WebCrypto key on every call (and
  // a node KeyObject it exports back to bytes, the same cost); a CryptoKey it uses as it is.
  const key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  key.catch(() => undefined); // reported where it is awaited
  const verified = createVerifiedTokenCache<TokenClaims>(verifiedTokenCacheSize);
  const sessions = sql ? createSessionStore({ sql, ttlMs: sessionCacheMs }) : null;
  const needSql = () => {
    if (!sql || !sessions) throw new Error('createAuthService: sessions need `sql`');
    return { sql, sessions };
  };

  async function issue(user: User): Promise<AuthPayload> {
    const token = await new SignJWT({ firm: user.firmId, ver: user.tokenVersion })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(await key);
    return { token, user };
  }

  const service = {
    async signUp(
      em: EntityManager,
      input: { firmName: string; name: string; email: string; password: string },
    ): Promise<AuthPayload> {
      const firmName = requireText(input.firmName, 'firmName', 200);
      const name = requireText(input.name, 'name', 200);
      const email = normalizeEmail(input.email);
      const passwordHash = await hashPassword(checkPassword(input.password, 'password'));
      const user = await em.transactional(async (tx) => {
        if (await tx.count(User, { email })) throw badInput('email is already registered', 'email');
        const firm = tx.create(Firm, { name: firmName });
        await tx.flush();
        return tx.create(User, { firmId: firm.id, email, name, passwordHash, role: 'ADMIN' });
      }).catch((err: unknown) => {
        // Two sign-ups with one email racing: the unique index decides.
        if ((err as { code?: string }).code === '23505') throw badInput('email is already registered', 'email');
        throw err;
      });
      return issue(user);
    },

    async login(em: EntityManager, emailRaw: string, password: string): Promise<AuthPayload> {
      const email = emailRaw.trim().toLowerCase();
      // An address that cannot exist (a control character, over-long) is just a wrong login.
      const user = email.length <= 320 && !CONTROL.test(email) ? await em.findOne(User, { email }) : null;
      const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH));
      if (!user || !ok) throw new AppError('UNAUTHENTICATED', 'invalid email or password');
      return issue(user);
    },

    /**
     * Verifies a bearer token; throws UNAUTHENTICATED saying what is wrong with it. A token
     * verified before is answered from memory until its `exp`; after that it goes through jose
     * again, which reports it expired, so every failure reads exactly as without the cache.
     */
    async verify(token: string): Promise<TokenClaims> {
      const known = verified.get(token);
      if (known) return known;
      const hmacKey = await key; // outside the try: a key that cannot be imported is our fault, not the token's
      try {
        const { payload } = await jwtVerify(token, hmacKey, { algorithms: ['HS256'] });
        if (
          typeof payload.sub !== 'string' ||
          typeof payload.firm !== 'string' ||
          typeof payload.exp !== 'number' ||
          (payload.jti !== undefined && typeof payload.jti !== 'string') ||
          (payload.ver !== undefined && !Number.isInteger(payload.ver))
        ) {
          throw new AppError('UNAUTHENTICATED', 'token is malformed');
        }
        // Frozen: one object is handed to every request that presents this token.
        const claims: TokenClaims = Object.freeze({
          userId: payload.sub,
          firmId: payload.firm,
          expiresAt: payload.exp,
          jti: UUID.test(payload.jti ?? '') ? payload.jti! : null,
          version: (payload.ver as number | undefined) ?? 0,
        });
        verified.set(token, claims);
        return claims;
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw new AppError('UNAUTHENTICATED', 'token has expired');
        throw new AppError('UNAUTHENTICATED', 'token is invalid');
      }
    },

    /**
     * `verify`, then whether the token still holds: the signature from memory, the revocation
     * state from memory refreshed at most every `sessionCacheMs` (see `SessionStore`).
     */
    async authenticate(token: string): Promise<Viewer> {
      return service.recheck(await service.verify(token));
    },

    /**
     * Whether claims `verify` gave earlier still hold, as `authenticate` would answer for their
     * token now: for a connection that keeps the claims instead of the token.
     */
    async recheck(claims: TokenClaims): Promise<Viewer> {
      if (claims.expiresAt * 1000 <= Date.now()) throw new AppError('UNAUTHENTICATED', 'token has expired');
      const role = needSql().sessions.check(claims);
      return { ...claims, role: typeof role === 'string' ? role : await role };
    },

    /** Which of these viewers' tokens no longer hold (for open subscriptions). */
    refused(viewers: readonly TokenClaims[]): Promise<(AppError | null)[]> {
      return needSql().sessions.refused(viewers);
    },

    /** After a change to `userId` made here: applies to this process's next request at once. */
    forget(userId: string): void {
      sessions?.forget(userId);
    },

    /**
     * Checks the current password, sets the new one and bumps the token version, so every token
     * issued before (this one included) is refused; returns a fresh token.
     */
    async changePassword(em: EntityManager, viewer: Viewer, current: string, next: string): Promise<AuthPayload> {
      const { sessions } = needSql();
      const user = await em.findOne(User, { id: viewer.userId, firmId: viewer.firmId });
      if (!user) throw new AppError('UNAUTHENTICATED', 'the user of this token no longer exists');
      if (!(await verifyPassword(current, user.passwordHash))) throw badInput('current password is not correct', 'current');
      checkPassword(next, 'new');
      if (next === current) throw badInput('new password must differ from the current one', 'new');
      const passwordHash = await hashPassword(next);
      // Conditional on the version read: two changes racing cannot both hand out a valid token.
      const rows = await em.getConnection().execute<{ token_version: number }[]>(
        'update users set password_hash = ?, token_version = token_version + 1 where id = ? and token_version = ? returning token_version',
        [passwordHash, user.id, user.tokenVersion],
      );
      sessions.forget(user.id);
      if (rows.length === 0) throw new AppError('CONFLICT', 'the password was changed meanwhile; sign in again');
      user.passwordHash = passwordHash;
      user.tokenVersion = rows[0]!.token_version;
      return issue(user);
    },

    /** Signs this token out: refused from now on (everywhere within `sessionCacheMs`). */
    async logout(viewer: Viewer): Promise<void> {
      const { sql, sessions } = needSql();
      await sql.tx(async (tx) => {
        if (viewer.jti) {
          await tx.query(
            'insert into revoked_tokens (jti, user_id, expires_at) values ($1, $2, to_timestamp($3)) on conflict (jti) do nothing',
            [viewer.jti, viewer.userId, viewer.expiresAt],
          );
        } else {
          // A token from before sign-out existed has no id: end every session of the user.
          await tx.query('update users set token_version = token_version + 1 where id = $1', [viewer.userId]);
        }
        // Ids are kept only while their token could still be presented.
        await tx.query('delete from revoked_tokens where expires_at < now()');
      });
      sessions.forget(viewer.userId);
    },

    issue,
  };
  return service;
}
export type AuthService = ReturnType<typeof createAuthService>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The password rules of signUp, for every password a user sets. */
export function checkPassword(password: string, field: string): string {
  if (password.length < PASSWORD_MIN) throw badInput(`${field === 'password' ? 'password' : `${field} password`} must be at least ${PASSWORD_MIN} characters`, field);
  if (password.length > PASSWORD_MAX) throw badInput(`${field === 'password' ? 'password' : `${field} password`} must be at most ${PASSWORD_MAX} characters`, field);
  return password;
}

/** Parses `Authorization: Bearer <token>`; a header in any other shape is an error, not anonymity. */
export function bearerToken(header: string | null | undefined): string | null {
  if (header == null || header === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
  return match[1];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function requireText(raw: string, field: string, max: number): string {
  if (CONTROL.test(raw)) throw badInput(`${field} must not contain control characters`, field);
  const value = raw.trim();
  if (value === '') throw badInput(`${field} must not be empty`, field);
  if (value.length > max) throw badInput(`${field} must be at most ${max} characters`, field);
  return value;
}

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 320 || CONTROL.test(email) || !EMAIL.test(email)) throw badInput('email is not a valid address', 'email');
  return email;
}
