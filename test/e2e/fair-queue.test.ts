import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeClients, createProject, gqlOk, signUp } from '../helpers/client.js';
import { holdStages, stubStages, type HeldStages } from '../helpers/held-stages.js';
import { START } from '../helpers/operations.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

afterEach(closeClients);
afterAll(stopAll);

/**
 * The fair queue, with two servers (two runners, two pools) on one database, as two processes
 * would be: the per-firm cap and the round-robin order are the database's, not one runner's.
 * EXTRACT is held, so runs stay RUNNING until the test lets them go.
 */
const runner = { pollIntervalMs: 100 };
const POSITIONS = `query { projects(first: 100) { id latestRun { status queuePosition } } }`;

async function twoServers(gates: HeldStages, slotsEach: number): Promise<[TestServer, TestServer]> {
  const config = { pipelineConcurrency: slotsEach, firmMaxActiveRuns: 2 };
  const x = await startTestServer({ config, deps: { stages: gates.stages, runner } });
  const y = await startTestServer({ database: x.database, config, deps: { stages: gates.stages, runner } });
  return [x, y];
}

async function firm(server: TestServer, projects: number) {
  const account = await signUp(server.url);
  const ids: string[] = [];
  for (let i = 0; i < projects; i++) ids.push(await createProject(server.url, account.token, `P${i + 1}`));
  return { ...account, ids };
}

async function runningByFirm(server: TestServer): Promise<Map<string, number>> {
  const rows = await server.app.services.sql.query<{ firmId: string; n: number }>(
    `select firm_id as "firmId", count(*)::int as n from pipeline_runs where status = 'RUNNING' group by firm_id`,
  );
  return new Map(rows.map((r) => [r.firmId, r.n]));
}

describe('the fair queue', () => {
  it("starts firm B's one run before firm A's third, and says where each queued run stands", async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'EXTRACT');
    const [x, y] = await twoServers(gates, 1); // two slots in all
    const a = await firm(x, 12);
    for (const [i, id] of a.ids.entries()) await gqlOk(i % 2 ? y.url : x.url, START, { id }, a.token);
    await gates.entered(a.ids[0]!, 'EXTRACT');
    await gates.entered(a.ids[1]!, 'EXTRACT');
    const b = await firm(y, 1);
    const queued = await gqlOk(y.url, START, { id: b.ids[0] }, b.token);
    expect(queued.startProcessing.project.status).toBe('QUEUED');

    // B's run is next (its firm runs nothing); A's wait behind it, oldest first.
    const positions = async (token: string) => {
      const res = await gqlOk<{ projects: { id: string; latestRun: { status: string; queuePosition: number | null } }[] }>(x.url, POSITIONS, {}, token);
      return new Map(res.projects.map((p) => [p.id, p.latestRun]));
    };
    expect((await positions(b.token)).get(b.ids[0]!)).toEqual({ status: 'QUEUED', queuePosition: 1 });
    const ofA = await positions(a.token);
    expect(a.ids.map((id) => ofA.get(id)!.queuePosition)).toEqual([null, null, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const [event] = await x.app.services.sql.query<{ message: string }>(
      `select message from project_status_events where project_id = $1 order by sequence desc limit 1`,
      [b.ids[0]],
    );
    expect(event!.message).toBe('Queued: waiting for a free pipeline slot (place 1 in the queue)');

    gates.release(a.ids[0]!, 'EXTRACT'); // a slot frees: B's run takes it, not A's third
    await gates.entered(b.ids[0]!, 'EXTRACT');
    expect(gates.entries(a.ids[2]!, 'EXTRACT')).toBe(0);
    gates.release(b.ids[0]!, 'EXTRACT');
    await gates.entered(a.ids[2]!, 'EXTRACT');
    expect(gates.entries(a.ids[3]!, 'EXTRACT')).toBe(0);
    for (const id of a.ids.slice(1)) gates.release(id, 'EXTRACT');
    await Promise.all(a.ids.map((id) => gates.ended(id, 'EXTRACT')));
  });

  it('never runs more than FIRM_MAX_ACTIVE_RUNS of one firm at once across two servers, with slots to spare', async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'EXTRACT');
    const [x, y] = await twoServers(gates, 4); // eight slots in all, the cap is 2
    const a = await firm(x, 12);
    const other = await firm(y, 3);
    // Starts race on both servers at once.
    await Promise.all([
      ...a.ids.map((id, i) => gqlOk(i % 2 ? y.url : x.url, START, { id }, a.token)),
      ...other.ids.map((id, i) => gqlOk(i % 2 ? x.url : y.url, START, { id }, other.token)),
    ]);
    const samples: Map<string, number>[] = [];
    const sample = async () => samples.push(await runningByFirm(x));
    await sample();
    expect(samples[0]!.get(a.firmId)).toBe(2);

    // Let each run go as it comes in, sampling the database all along.
    let sampling = true;
    const sampler = (async () => {
      while (sampling) await sample();
    })();
    const released = new Set<string>();
    while (released.size < a.ids.length + other.ids.length) {
      const next = await Promise.race(
        [...a.ids, ...other.ids].filter((id) => !released.has(id)).map((id) => gates.entered(id, 'EXTRACT').then(() => id)),
      );
      released.add(next);
      gates.release(next, 'EXTRACT');
    }
    await Promise.all([...a.ids, ...other.ids].map((id) => gates.ended(id, 'EXTRACT')));
    sampling = false;
    await sampler;
    const peakA = Math.max(...samples.map((s) => s.get(a.firmId) ?? 0));
    const peakOther = Math.max(...samples.map((s) => s.get(other.firmId) ?? 0));
    expect(samples.length).toBeGreaterThan(5);
    expect(peakA).toBe(2);
    expect(peakOther).toBeLessThanOrEqual(2);
    // The triggers' count agrees with the rows (one snapshot), for every firm.
    const drift = await x.app.services.sql.query(
      `select f.id from firms f where f.running_runs <> (select count(*) from pipeline_runs r where r.firm_id = f.id and r.status = 'RUNNING')`,
    );
    expect(drift).toEqual([]);
  });
});
