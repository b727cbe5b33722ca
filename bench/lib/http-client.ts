import { Agent, request } from 'node:http';

/**
 * A minimal keep-alive HTTP/1.1 JSON POST client on node:http, for load generation: one agent
 * per load process, one socket per concurrent loop, nothing between the loop and the socket.
 */
export interface PostResult {
  status: number;
  body: string;
}

export function createPoster(baseUrl: string, maxSockets: number, localAddress?: string) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, keepAliveMsecs: 10_000 });
  return {
    post(path: string, payload: string, headers: Record<string, string> = {}): Promise<PostResult> {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            path,
            method: 'POST',
            localAddress,
            headers: {
              'content-type': 'application/json',
              accept: 'application/graphql-response+json, application/json',
              'content-length': Buffer.byteLength(payload),
              ...headers,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
