/**
 * Short-lived signed links to a project's workbook, for a browser that cannot send an
 * Authorization header. A link names one project and one firm and an expiry (at most five
 * minutes ahead); an HMAC-SHA256 over all three, keyed by a key derived from the JWT secret,
 * makes it unforgeable. Checking is constant-time and says only "valid" or why not.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Longest life of a link, seconds. */
export const DOWNLOAD_LINK_TTL_SECONDS = 300;

export interface DownloadLinks {
  /** `/projects/<id>/report.xlsx?firm=…&expires=…&signature=…`, relative to the server. */
  create(projectId: string, firmId: string): string;
  /** The firm a link was issued to, or why it is refused. */
  verify(projectId: string, query: URLSearchParams): { ok: true; firmId: string } | { ok: false; reason: 'MISSING' | 'EXPIRED' | 'INVALID' };
}

export interface DownloadLinkOptions {
  secret: Uint8Array;
  ttlSeconds?: number;
  /** Epoch milliseconds; tests pass a clock. */
  now?: () => number;
}

export function createDownloadLinks({ secret, ttlSeconds = DOWNLOAD_LINK_TTL_SECONDS, now = Date.now }: DownloadLinkOptions): DownloadLinks {
  const ttl = Math.min(ttlSeconds, DOWNLOAD_LINK_TTL_SECONDS);
  // A key of its own, so a link's signature can never double as anything the JWT key signs.
  const key = createHmac('sha256', secret).update('cma report download link v1').digest();
  const sign = (projectId: string, firmId: string, expires: number) =>
    createHmac('sha256', key).update(`${projectId}\n${firmId}\n${expires}`).digest();

  return {
    create(projectId, firmId) {
      const expires = Math.floor(now() / 1000) + ttl;
      const signature = sign(projectId, firmId, expires).toString('base64url');
      const query = new URLSearchParams({ firm: firmId, expires: String(expires), signature });
      return `/projects/${projectId}/report.xlsx?${query.toString()}`;
    },
    verify(projectId, query) {
      const firmId = query.get('firm');
      const expiresText = query.get('expires');
      const signature = query.get('signature');
      if (!firmId || !expiresText || !signature) return { ok: false, reason: 'MISSING' };
      if (!/^\d{1,12}$/.test(expiresText) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return { ok: false, reason: 'INVALID' };
      const expires = Number(expiresText);
      const expected = sign(projectId, firmId, expires);
      // Compared as text: base64url ignores the spare low bits of the 43rd character, so two
      // spellings decode to the same bytes; only the canonical one is accepted.
      if (!timingSafeEqual(Buffer.from(expected.toString('base64url')), Buffer.from(signature))) return { ok: false, reason: 'INVALID' };
      if (expires * 1000 <= now()) return { ok: false, reason: 'EXPIRED' };
      return { ok: true, firmId };
    },
  };
}
