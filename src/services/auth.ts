import { randomBytes, scrypt, timingSafeEqual, webcrypto, type ScryptOptions } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { Firm, User } from '../entities/index.js';
import { AppError, badInput } from './errors.js';
import { createVerifiedTokenCache } from './verified-tokens.js';

/** Who is calling, from a verified token. Every service call is scoped by `firmId`. */
export interface Viewer {
  userId: string;
  firmId: string;
  /** Token expiry, epoch seconds: long-lived subscriptions end here. */
  expiresAt: number;
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
  /** How many verified tokens to remember (each until its expiry). Default 10,000. */
  verifiedTokenCacheSize?: number;
}

export function createAuthService({ secret, expiresIn, verifiedTokenCacheSize = 10_000 }: AuthServiceOptions) {
  // Imported once: given the secret as bytes, jose imports a WebCrypto key on every call (and
  // a node KeyObject it exports back to bytes, the same cost); a CryptoKey it uses as it is.
  const key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  key.catch(() => undefined); // reported where it is awaited
  const verified = createVerifiedTokenCache<Viewer>(verifiedTokenCacheSize);

  async function issue(user: User): Promise<AuthPayload> {
    const token = await new SignJWT({ firm: user.firmId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(await key);
    return { token, user };
  }

  return {
    async signUp(
      em: EntityManager,
      input: { firmName: string; name: string; email: string; password: string },
    ): Promise<AuthPayload> {
      const firmName = requireText(input.firmName, 'firmName', 200);
      const name = requireText(input.name, 'name', 200);
      const email = normalizeEmail(input.email);
      if (input.password.length < PASSWORD_MIN) {
        throw badInput(`password must be at least ${PASSWORD_MIN} characters`, 'password');
      }
      if (input.password.length > PASSWORD_MAX) {
        throw badInput(`password must be at most ${PASSWORD_MAX} characters`, 'password');
      }
      const passwordHash = await hashPassword(input.password);
      const user = await em.transactional(async (tx) => {
        if (await tx.count(User, { email })) throw badInput('email is already registered', 'email');
        const firm = tx.create(Firm, { name: firmName });
        await tx.flush();
        return tx.create(User, { firmId: firm.id, email, name, passwordHash });
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
    async verify(token: string): Promise<Viewer> {
      const known = verified.get(token);
      if (known) return known;
      const hmacKey = await key; // outside the try: a key that cannot be imported is our fault, not the token's
      try {
        const { payload } = await jwtVerify(token, hmacKey, { algorithms: ['HS256'] });
        if (typeof payload.sub !== 'string' || typeof payload.firm !== 'string' || typeof payload.exp !== 'number') {
          throw new AppError('UNAUTHENTICATED', 'token is malformed');
        }
        // Frozen: one object is handed to every request that presents this token.
        const viewer: Viewer = Object.freeze({ userId: payload.sub, firmId: payload.firm, expiresAt: payload.exp });
        verified.set(token, viewer);
        return viewer;
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw new AppError('UNAUTHENTICATED', 'token has expired');
        throw new AppError('UNAUTHENTICATED', 'token is invalid');
      }
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;

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

function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 320 || CONTROL.test(email) || !EMAIL.test(email)) throw badInput('email is not a valid address', 'email');
  return email;
}
