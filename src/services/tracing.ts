import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Spans through the OpenTelemetry API only. Until a tracer provider is registered (tracing
 * configured, see tracing-setup.ts) the API hands out non-recording spans: a few object
 * allocations per span, nothing exported.
 */
const tracer = trace.getTracer('cma-processing');

/** Runs `fn` in a span (the current one's child); the span records a throw and ends after `fn`. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind = SpanKind.INTERNAL): Promise<T> {
  return tracer.startActiveSpan(name, { attributes, kind }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span for one HTTP request, ended by the caller when the response finishes. */
export function startRequestSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer.startActiveSpan(name, { attributes, kind: SpanKind.SERVER }, fn);
}
