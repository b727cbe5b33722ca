import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider for the process, so the spans of tracing.ts record and export:
 * to `otlpEndpoint` (OTLP over HTTP, `<endpoint>/v1/traces`, batched), or to `processor` (tests
 * pass an in-memory exporter). Called once from main when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export function startTracing(opts: { serviceName: string; otlpEndpoint?: string; processor?: SpanProcessor }): Tracing {
  const processors: SpanProcessor[] = [];
  if (opts.processor) processors.push(opts.processor);
  if (opts.otlpEndpoint) {
    const exporter: SpanExporter = new OTLPTraceExporter({ url: `${opts.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` });
    processors.push(new BatchSpanProcessor(exporter));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName }),
    spanProcessors: processors,
  });
  // Also installs the AsyncLocalStorage context manager, so a span's children find it.
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
