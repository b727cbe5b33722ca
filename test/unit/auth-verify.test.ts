import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthService } from '../../src/services/auth.js';

const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-characters');
const auth = createAuthService({ secret, expiresIn: '1h' });
const sign = (claims: Record<string, unknown>, exp: number, key = secret) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime(exp).sign(key);

afterEach(() => vi.useRealTimers());

describe('auth.verify with its cache of verified tokens', () => {
  it('answers a verified token again, and calls it expired once its exp has passed, as without the cache', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({ firm: 'f1' }, now + 60);
    expect(await auth.verify(token)).toEqual({ userId: 'u1', firmId: 'f1', expiresAt: now + 60, jti: null, version: 0 });
    expect(await auth.verify(token)).toEqual({ userId: 'u1', firmId: 'f1', expiresAt: now + 60, jti: null, version: 0 });
    vi.setSystemTime((now + 60) * 1000);
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token has expired' });
  });

  it('never caches a failure: forged, malformed and expired tokens fail every time with their own message', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await sign({ firm: 'f1' }, now + 60, new TextEncoder().encode('another-secret-of-at-least-32-characters'));
    const noFirm = await sign({}, now + 60);
    const expired = await sign({ firm: 'f1' }, now - 1);
    for (let i = 0; i < 2; i++) {
      await expect(auth.verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token is invalid' });
      await expect(auth.verify(noFirm)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token is malformed' });
      await expect(auth.verify(expired)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token has expired' });
      await expect(auth.verify('not.a.token')).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token is invalid' });
    }
  });
});
