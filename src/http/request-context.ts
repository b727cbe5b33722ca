import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { withLogFields } from '../services/log-context.js';
import type { Logger } from '../services/logger.js';
import { startRequestSpan } from '../services/tracing.js';

const QUIET_ROUTES = new Set(['healthz', 'readyz', 'metrics']);

// A client's id is kept only if it is short and plain, so it cannot forge log structure.
const CLIENT_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The client's `x-request-id` when it looks like one, else a new UUID. */
export function requestId(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && CLIENT_ID.test(sent) ? sent : randomUUID();
}

/**
 * Runs one HTTP request's handling with its request id: returned as `x-request-id`, carried by
 * every log line written meanwhile (the logger's mixin), and by one line when the response
 * ends (method, route name, status, duration; never the URL's query, which may hold a token).
 * With tracing on, the request is the root span of what it starts.
 */
export function handleWithRequestContext(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  handle: () => void,
): void {
  const id = requestId(req);
  res.setHeader('x-request-id', id);
  const began = performance.now();
  withLogFields({ requestId: id }, () =>
    startRequestSpan(`HTTP ${req.method ?? 'GET'} ${route}`, { 'http.request.method': req.method ?? 'GET', 'http.route': route }, (span) => {
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        span.end();
        // Probes and scrapes every few seconds would drown the log at info.
        const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
        logger[level](
          { requestId: id, method: req.method, route, status: res.statusCode, ms: Math.round((performance.now() - began) * 10) / 10, ...(res.writableFinished ? {} : { aborted: true }) },
          'request',
        );
      });
      handle();
    }),
  );
}
