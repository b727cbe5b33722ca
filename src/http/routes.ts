import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A plain HTTP route beside `/graphql` (health, downloads, metrics, the console). The server
 * tries each route in order; the first whose `matches` is true answers, and GraphQL gets the
 * rest. One file per route under `src/http/`, listed once in `buildApp`.
 */
export interface HttpRoute {
  /** For logs and metrics: a fixed name, never the URL. */
  name: string;
  matches(url: URL, req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void>;
}

/** The request's path and query, parsed once; the host is a placeholder (routes never read it). */
export function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return new URL('http://localhost/');
  }
}

export function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** First matching route, or null for GraphQL. */
export function findRoute(routes: readonly HttpRoute[], url: URL, req: IncomingMessage): HttpRoute | null {
  for (const route of routes) if (route.matches(url, req)) return route;
  return null;
}
