import { afterAll, it } from 'vitest';
import { createProject, signUp } from '../helpers/client.js';
import { startTestServer, stopAll } from '../helpers/server.js';
afterAll(stopAll);
async function raw(url: string, body: object, token?: string, ms = 500) {
  const ac = new AbortController();
  const res = await fetch(url, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  console.log('status', res.status, res.headers.get('content-type'));
  const reader = res.body!.getReader();
  let text = '';
  const timer = setTimeout(() => ac.abort(), ms);
  try { for (;;) { const { done, value } = await reader.read(); if (done) break; text += new TextDecoder().decode(value); } } catch (e) { text += `\n[aborted ${(e as Error).name}]`; }
  clearTimeout(timer);
  console.log(JSON.stringify(text));
}
it('probe', async () => {
  const s = await startTestServer();
  const a = await signUp(s.url);
  const b = await signUp(s.url);
  const p = await createProject(s.url, a.token);
  const q = 'subscription($id: ID!) { projectStatus(projectId: $id) { sequence status } }';
  await raw(s.url, { query: q, variables: { id: p } }, a.token);
  await raw(s.url, { query: q, variables: { id: p } }, b.token);
  await raw(s.url, { query: q, variables: { id: p } });
  await raw(s.url, { query: q, variables: { id: 'nope' } }, a.token);
  await raw(s.url, { query: 'subscription { nope }' }, a.token);
});
