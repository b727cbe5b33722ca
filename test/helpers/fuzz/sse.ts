/**
 * A subscription over GraphQL over SSE ("distinct connections" mode) read with plain fetch:
 * POST with `Accept: text/event-stream`, then the `next` payloads until the server sends
 * `complete`, `stopAfter` payloads have arrived, or `timeoutMs` passes. Always aborts the
 * request before returning, so no stream outlives the call.
 */
export interface SseResult {
  status: number;
  contentType: string | null;
  /** The `data` of every `next` event, parsed. */
  payloads: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  /** The server sent `complete` (or ended the response). */
  completed: boolean;
  /** Everything the server sent, for leak checks. */
  text: string;
}

export async function sseOnce(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  options: { token?: string; /** A raw Authorization header; wins over `token`. */ authorization?: string; stopAfter?: number; timeoutMs?: number } = {},
): Promise<SseResult> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs ?? 2_000);
  const result: SseResult = { status: 0, contentType: null, payloads: [], completed: false, text: '' };
  try {
    const response = await fetch(url, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(options.authorization !== undefined
          ? { authorization: options.authorization }
          : options.token
            ? { authorization: `Bearer ${options.token}` }
            : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    result.status = response.status;
    result.contentType = response.headers.get('content-type');
    if (!response.body) return result;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        result.completed = true;
        break;
      }
      const chunk = decoder.decode(value, { stream: true });
      result.text += chunk;
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(message)?.[1];
        const data = message
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.replace(/^data: ?/, ''))
          .join('\n');
        if (event === 'complete') result.completed = true;
        else if (event === 'next' && data) result.payloads.push(JSON.parse(data) as SseResult['payloads'][number]);
        else if (!event && data) result.payloads.push(JSON.parse(data) as SseResult['payloads'][number]); // a plain JSON error body
      }
      if (result.completed || result.payloads.length >= (options.stopAfter ?? Infinity)) break;
    }
    // A non-stream answer (an error as application/json) is one payload.
    if (!result.contentType?.includes('text/event-stream') && result.text && result.payloads.length === 0) {
      try {
        result.payloads.push(JSON.parse(result.text) as SseResult['payloads'][number]);
      } catch {
        /* not JSON: kept in text for the caller */
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return result;
}
