import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers every HTTP response carries. */
export function setSecurityHeaders(res: ServerResponse, production: boolean): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  if (production) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}

/** JSON bodies larger than this are refused before they are read (uploads have their own limit). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/**
 * Refuses a JSON request whose declared length is over the limit, with a GraphQL error body
 * (code BAD_USER_INPUT, HTTP 413). Returns true when it answered.
 */
export function refuseOversizeJson(req: IncomingMessage, res: ServerResponse): boolean {
  const type = req.headers['content-type'] ?? '';
  const length = Number(req.headers['content-length'] ?? 0);
  if (!type.includes('json') || !(length > MAX_JSON_BODY_BYTES)) return false;
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(
    JSON.stringify({
      errors: [{ message: `request body is larger than ${MAX_JSON_BODY_BYTES} bytes`, extensions: { code: 'BAD_USER_INPUT' } }],
    }),
  );
  req.resume();
  return true;
}

/** The caller's address, for per-address limits (no proxy headers are trusted). */
export function clientAddress(req: IncomingMessage | undefined): string {
  return req?.socket.remoteAddress ?? 'unknown';
}
