import { seedProjects } from '../lib/database.js';

import { baseOf, freshServer, profiled, quiesce, settle, type Scenario } from '../lib/context.js';
import { signUp } from '../lib/graphql.js';
import { forkScript } from '../lib/processes.js';
import { figure } from '../lib/results.js';
import type { Summary } from '../lib/stats.js';

interface FirstEventResult {
  firstEvent: Summary;
  response: Summary;
  errors: number;
  firstError: string | null;
}

/**
 * 2. first-event: from sending startProcessing to the subscriber (graphql-ws, same client
 * process) receiving the run's first PROCESSING event, 1 client, a fresh project each time.
 * Baseline: the claim baseline, which pushes the claim's event over raw ws before answering.
 * Floor: the same behind a bare graphql-yoga, to tell the stack's share from the service's.
 */
export const firstEventScenario: Scenario = async (ctx) => {
  const c = ctx.counts.firstEvent;
  const server = await freshServer(ctx, 'first-event');
  const claim = forkScript('claim-server', 'baselines/claim-server.ts');
  const client = forkScript('first-event', 'load/first-event.ts');
  try {
    const claimUrl = await claim.peer.request<string>('listen', { databaseUrl: ctx.databaseUrl });
    const account = await signUp(server.url, 'Bench first event');
    const n = c.count + c.warmup;
    ctx.log(`  ${c.count} starts after ${c.warmup} warm-up, baseline, yoga floor, then service`);
    await claim.peer.request('floor:firm', { firmId: account.firmId });
    const baseline = await client.peer.request<FirstEventResult>('run', {
      mode: 'baseline', httpBase: claimUrl, wsUrl: `${claimUrl.replace(/^http/, 'ws')}/ws`, token: account.token, firmId: account.firmId,
      projectIds: await seedProjects(ctx.db, account.firmId, n, 'baseline first event'), warmup: c.warmup,
    }, 600_000);
    await settle(ctx, server);
    // The same claim and raw ws push behind a bare graphql-yoga: the stack's own part.
    const floor = await client.peer.request<FirstEventResult>('run', {
      mode: 'floor', httpBase: claimUrl, wsUrl: `${claimUrl.replace(/^http/, 'ws')}/ws`, token: account.token, firmId: account.firmId,
      projectIds: await seedProjects(ctx.db, account.firmId, n, 'yoga floor first event'), warmup: c.warmup,
    }, 600_000);
    await settle(ctx, server);
    const projectIds = await seedProjects(ctx.db, account.firmId, n, 'service first event');
    const service = await profiled(ctx, server, 'first-event', () =>
      client.peer.request<FirstEventResult>('run', {
        mode: 'server', httpBase: baseOf(server.url), wsUrl: server.wsUrl, token: account.token, firmId: account.firmId, projectIds, warmup: c.warmup,
      }, 600_000),
    );
    for (const [label, r] of Object.entries({ baseline, floor, service })) {
      if (r.errors > 0) ctx.log(`  ! ${label}: ${r.errors} errors, first: ${r.firstError}`);
    }
    ctx.details['first-event'] = { service, baseline, floor };
    return [
      figure('first-event: start → PROCESSING p50', service.firstEvent.p50, 'ms', baseline.firstEvent.p50, { on: 'ratio', op: '<=', limit: 1.3 }),
      figure('first-event: start → PROCESSING p99', service.firstEvent.p99, 'ms', baseline.firstEvent.p99),
      figure('first-event: p50, bare yoga + claim (floor)', floor.firstEvent.p50, 'ms', baseline.firstEvent.p50),
    ];
  } finally {
    await Promise.all([claim.stop(), client.stop()]);
    await quiesce(ctx, server);
  }
};
