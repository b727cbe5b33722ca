/**
 * Tracing, when configured: request → claim → run → stage spans, exported through a registered
 * provider. An in-memory exporter stands in for the OTLP collector.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/services/tracing-setup.js';
import { closeClients, collect, createProject, gqlOk, signUp, wsClient } from '../helpers/client.js';
import { stubStages } from '../helpers/held-stages.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let server: TestServer;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'cma-test', processor: new SimpleSpanProcessor(exporter) });
  server = await startTestServer({ deps: { stages: stubStages() } });
});
afterAll(async () => {
  await closeClients();
  await stopAll();
  await tracing.shutdown();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

async function spansUntil(check: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  for (let i = 0; i < 400; i++) {
    const spans = exporter.getFinishedSpans();
    if (check(spans)) return spans;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`spans never arrived: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
}

describe('OpenTelemetry spans', () => {
  it('follow a start from its request through the claim into the run and each stage', async () => {
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await sub.next(() => true);
    const started = await gqlOk(server.url, START, { id: projectId }, token);
    const runId = started.startProcessing.run.id as string;
    await sub.next((e) => e.projectStatus.status === 'COMPLETED');

    const spans = await spansUntil((all) => all.some((s) => s.name === 'pipeline.run' && s.attributes['cma.run_id'] === runId));
    const run = spans.find((s) => s.name === 'pipeline.run' && s.attributes['cma.run_id'] === runId)!;
    const request = spans.find((s) => s.spanContext().spanId === parentOf(run))!;
    expect(request).toBeDefined();
    expect(request.name).toBe('HTTP POST graphql');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.attributes['http.response.status_code']).toBe(200);
    expect(parentOf(request)).toBeUndefined(); // the root of the trace

    const claim = spans.find((s) => s.name === 'pipeline.claim' && parentOf(s) === request.spanContext().spanId);
    expect(claim?.attributes['cma.project_id']).toBe(projectId);

    const stages = spans.filter((s) => s.name === 'pipeline.stage' && parentOf(s) === run.spanContext().spanId);
    expect(stages.map((s) => s.attributes['cma.stage'])).toEqual(['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']);
    for (const span of [claim!, run, ...stages]) expect(span.spanContext().traceId).toBe(request.spanContext().traceId);
  });

  it('marks a failing stage span as an error', async () => {
    const failing = await startTestServer({
      deps: { stages: stubStages().map((s) => (s.name === 'VALIDATE' ? { ...s, run: async () => Promise.reject(new Error('boom')) } : s)) },
    });
    const account = await signUp(failing.url);
    const id = await createProject(failing.url, account.token);
    const sub = collect<StatusEvent>(wsClient(failing.wsUrl, account.token), STATUS, { id });
    await sub.next(() => true);
    await gqlOk(failing.url, START, { id }, account.token);
    await sub.next((e) => e.projectStatus.status === 'ERROR');
    const spans = await spansUntil((all) => all.some((s) => s.name === 'pipeline.stage' && s.attributes['cma.stage'] === 'VALIDATE' && s.status.code === 2));
    const failed = spans.find((s) => s.name === 'pipeline.stage' && s.attributes['cma.stage'] === 'VALIDATE' && s.status.code === 2)!;
    expect(failed.status.message).toBe('boom');
    expect(failed.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
