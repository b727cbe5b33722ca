/**
 * A firm of several people, and signing out for real, over two servers on one database (as a
 * deployment's processes): invitations (single use, 7 days, tamper-proof, never logged), roles
 * (FORBIDDEN for members, the last admin kept), removal, logout and password change revoked on
 * every process, open subscriptions included (graphql-ws 4403, SSE UNAUTHENTICATED).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, collect, createProject, gql, gqlOk, signUp, wsClient } from '../helpers/client.js';
import { waitFor } from '../helpers/deferred.js';
import { sseOnce } from '../helpers/fuzz/sse.js';
import { STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';
import { createContext } from '../../src/context.js';

const PASSWORD = 'correct horse battery';
const INVITE = 'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id email name role expiresAt link } }';
const ACCEPT = 'mutation($token: String!, $password: String!) { acceptInvitation(token: $token, password: $password) { token user { id email name role firm { id } } } }';
const ROLE = 'mutation($userId: ID!, $role: UserRole!) { updateUserRole(userId: $userId, role: $role) { id role } }';
const REMOVE = 'mutation($userId: ID!) { removeUser(userId: $userId) }';
const PROJECTS = '{ projects(first: 200) { id } }';

const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let a: Awaited<ReturnType<typeof startTestServer>>;
let b: TestServer;
beforeAll(async () => {
  a = await startTestServer({ config: { logLevel: 'info' }, logTo: logSink });
  b = await startTestServer({ database: a.database });
}, 60_000);
afterAll(async () => {
  await closeClients();
  await stopAll();
});

const tokenOf = (link: string) => new URL(link).searchParams.get('invitation')!;
const email = (who: string) => `${who}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.in`;

/** An admin's firm with a colleague who accepted an invitation with `role`. */
async function firmWithColleague(role: 'ADMIN' | 'MEMBER' = 'MEMBER') {
  const admin = await signUp(a.url, 'Mehta & Co');
  const invited = await gqlOk(a.url, INVITE, { input: { email: email('ravi'), name: 'Ravi Mehta', role } }, admin.token);
  const accepted = await gqlOk(b.url, ACCEPT, { token: tokenOf(invited.inviteUser.link), password: PASSWORD });
  return { admin, invitation: invited.inviteUser, colleague: { token: accepted.acceptInvitation.token as string, ...accepted.acceptInvitation.user } };
}

/** Resolves once `token` is refused on `server` (revocations reach other processes within seconds). */
const refusedOn = (server: TestServer, token: string, message?: string) =>
  waitFor(async () => {
    const res = await gql(server.url, '{ me { id } }', {}, token);
    if (res.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED') return false;
    expect(res.status).toBe(401);
    if (message) expect(res.errors[0]!.message).toContain(message);
    return true;
  }, `token refused on ${server.url}`, 10_000);

describe('roles and invitations', () => {
  it('signUp makes an ADMIN; an accepted invitation makes a colleague who sees the same projects', async () => {
    const admin = await signUp(a.url, 'Sharing firm');
    expect((await gqlOk(a.url, '{ me { role } }', {}, admin.token)).me.role).toBe('ADMIN');
    const projects = [await createProject(a.url, admin.token, 'Shared one'), await createProject(a.url, admin.token, 'Shared two')];
    const from = logLines.length;
    const invited = await gqlOk(a.url, INVITE, { input: { email: ` ${email('Ravi').toUpperCase()} `, name: 'Ravi', role: 'MEMBER' } }, admin.token);
    const invitation = invited.inviteUser;
    expect(invitation.email).toBe(invitation.email.trim().toLowerCase());
    const days = (Date.parse(invitation.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    const token = tokenOf(invitation.link);
    expect(invitation.link.startsWith(a.base)).toBe(true);
    // The log says an invitation was issued, never its token or link.
    const logged = logLines.slice(from).join('');
    expect(logged).toContain('invitation issued');
    expect(logged).not.toContain(token);
    expect(await a.app.services.sql.query('select 1 from invitations where token_hash = $1', [token])).toEqual([]);

    const accepted = await gqlOk(b.url, ACCEPT, { token, password: PASSWORD });
    expect(accepted.acceptInvitation.user).toMatchObject({ email: invitation.email, name: 'Ravi', role: 'MEMBER', firm: { id: admin.firmId } });
    const colleague = accepted.acceptInvitation.token;
    const seen = (await gqlOk(b.url, PROJECTS, {}, colleague)).projects.map((p: { id: string }) => p.id);
    expect(seen.sort()).toEqual([...projects].sort());
    // Members do everything with projects.
    const theirs = await createProject(b.url, colleague, 'Made by the colleague');
    expect((await gqlOk(a.url, PROJECTS, {}, admin.token)).projects.map((p: { id: string }) => p.id)).toContain(theirs);
    const users = (await gqlOk(b.url, '{ users { email role } }', {}, colleague)).users;
    expect(users.map((u: { role: string }) => u.role)).toEqual(['ADMIN', 'MEMBER']);
    // And the colleague signs in with their own password.
    expect((await gqlOk(a.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: invitation.email, p: PASSWORD })).login.token).toBeTruthy();
  });

  it('refuses a used, expired, tampered or replaced invitation, a weak password and an email already registered, with clear messages', async () => {
    const { admin, invitation } = await firmWithColleague();
    const used = await gql(a.url, ACCEPT, { token: tokenOf(invitation.link), password: PASSWORD });
    expect(used.errors?.[0]).toMatchObject({ message: 'this invitation has already been used: sign in instead', extensions: { code: 'BAD_USER_INPUT', field: 'token' } });

    const fresh = async () => (await gqlOk(a.url, INVITE, { input: { email: email('new'), name: 'New', role: 'MEMBER' } }, admin.token)).inviteUser;
    const expiring = await fresh();
    await a.app.services.sql.query("update invitations set expires_at = now() - interval '1 second' where id = $1", [expiring.id]);
    const expired = await gql(a.url, ACCEPT, { token: tokenOf(expiring.link), password: PASSWORD });
    expect(expired.errors?.[0]?.message).toContain('has expired');

    const genuine = tokenOf((await fresh()).link);
    const flipped = genuine.slice(0, 10) + (genuine[10] === 'A' ? 'B' : 'A') + genuine.slice(11);
    for (const token of [flipped, genuine.slice(0, -1), `${genuine}x`, '', 'x'.repeat(10_000), "' or 1=1 --"]) {
      const res = await gql(a.url, ACCEPT, { token, password: PASSWORD });
      expect(res.errors?.[0], token.slice(0, 20)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'token' } });
      expect(res.errors?.[0]?.message).toContain('not valid');
    }
    const weak = await gql(a.url, ACCEPT, { token: genuine, password: 'short' });
    expect(weak.errors?.[0]).toMatchObject({ message: 'password must be at least 10 characters', extensions: { field: 'password' } });

    // Re-inviting the same address replaces the earlier link.
    const address = email('twice');
    const first = (await gqlOk(a.url, INVITE, { input: { email: address, name: 'Twice', role: 'MEMBER' } }, admin.token)).inviteUser;
    await gqlOk(a.url, INVITE, { input: { email: address, name: 'Twice', role: 'ADMIN' } }, admin.token);
    expect((await gql(a.url, ACCEPT, { token: tokenOf(first.link), password: PASSWORD })).errors?.[0]?.message).toContain('not valid');

    // An address that signed up meanwhile: the invitation cannot make a second account.
    const late = await fresh();
    const other = await gql(a.url, 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
      i: { firmName: 'Elsewhere', name: 'Same person', email: late.email, password: PASSWORD },
    });
    expect(other.errors).toBeUndefined();
    const taken = await gql(a.url, ACCEPT, { token: tokenOf(late.link), password: PASSWORD });
    expect(taken.errors?.[0]?.message).toBe(`${late.email} is already registered: sign in with it instead`);
    const again = await gql(a.url, INVITE, { input: { email: late.email, name: 'x', role: 'MEMBER' } }, admin.token);
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
  });

  it('a member cannot invite, change roles or remove anyone: FORBIDDEN with HTTP 403', async () => {
    const { admin, colleague } = await firmWithColleague('MEMBER');
    const calls: [string, Record<string, unknown>][] = [
      [INVITE, { input: { email: email('x'), name: 'X', role: 'ADMIN' } }],
      [ROLE, { userId: colleague.id, role: 'ADMIN' }],
      [ROLE, { userId: admin.userId, role: 'MEMBER' }],
      [REMOVE, { userId: admin.userId }],
    ];
    for (const [query, variables] of calls) {
      const res = await gql(b.url, query, variables, colleague.token);
      expect(res.status, query).toBe(403);
      expect(res.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    }
    expect((await gqlOk(a.url, '{ users { role } }', {}, admin.token)).users.map((u: { role: string }) => u.role)).toEqual(['ADMIN', 'MEMBER']);
  });

  it('keeps the last admin: neither demoted nor removed; with a second admin both work, and a removed user’s token stops at once', async () => {
    const { admin, colleague } = await firmWithColleague('MEMBER');
    for (const [query, variables] of [[ROLE, { userId: admin.userId, role: 'MEMBER' }], [REMOVE, { userId: admin.userId }]] as const) {
      const res = await gql(a.url, query, variables, admin.token);
      expect(res.status).toBe(409);
      expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
      expect(res.errors?.[0]?.message).toContain("last admin");
    }
    // Two admins demoting each other at once: one wins, one admin is left.
    expect((await gqlOk(a.url, ROLE, { userId: colleague.id, role: 'ADMIN' }, admin.token)).updateUserRole.role).toBe('ADMIN');
    const raced = await Promise.all([
      gql(a.url, ROLE, { userId: colleague.id, role: 'MEMBER' }, admin.token),
      gql(b.url, ROLE, { userId: admin.userId, role: 'MEMBER' }, colleague.token),
    ]);
    const admins = await a.app.services.sql.query<{ n: number }>("select count(*)::int as n from users where firm_id = $1 and role = 'ADMIN'", [admin.firmId]);
    expect(admins[0]!.n).toBe(1);
    expect(raced.filter((r) => !r.errors).length).toBeGreaterThanOrEqual(1);

    // Whoever is still admin removes the other: the removed token stops on this server at once.
    const adminLeft = raced[0]!.errors ? { token: colleague.token, id: colleague.id, other: admin } : { token: admin.token, id: admin.userId, other: { token: colleague.token, userId: colleague.id } };
    const server = adminLeft.token === admin.token ? a : b;
    expect((await gqlOk(server.url, REMOVE, { userId: adminLeft.other.userId }, adminLeft.token)).removeUser).toBe(true);
    const gone = await gql(server.url, '{ me { id } }', {}, adminLeft.other.token);
    expect(gone.errors?.[0]).toMatchObject({ message: 'the user of this token no longer exists', extensions: { code: 'UNAUTHENTICATED' } });
    await refusedOn(server === a ? b : a, adminLeft.other.token);
    expect((await gql(server.url, REMOVE, { userId: adminLeft.other.userId }, adminLeft.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('sessions end on every process', () => {
  it('logout revokes that token on both servers, open subscriptions included, and leaves other sessions alone', async () => {
    const user = await signUp(a.url, 'Logout firm');
    const projectId = await createProject(a.url, user.token, 'Watched');
    const login = async () =>
      (await gqlOk(b.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: user.email, p: 'correct horse battery' })).login.token as string;
    const other = await login();

    // Open on B: a graphql-ws subscription and an SSE stream with the token that signs out on A.
    const closed = new Promise<number>((resolve) => {
      const client = wsClient(b.wsUrl, user.token, { on: { closed: (e) => resolve((e as { code: number }).code) } });
      collect<StatusEvent>(client, STATUS, { id: projectId });
    });
    const sse = sseOnce(b.url, STATUS, { id: projectId }, { token: user.token, timeoutMs: 15_000 });
    await waitFor(async () => b.app.services.statusHub.size() > 0, 'subscriptions attached on B');

    expect(await gqlOk(a.url, 'mutation { logout }', {}, user.token)).toEqual({ logout: true });
    const onA = await gql(a.url, '{ me { id } }', {}, user.token);
    expect(onA.errors?.[0]).toMatchObject({ message: 'token has been revoked: signed out', extensions: { code: 'UNAUTHENTICATED' } });
    await refusedOn(b, user.token, 'signed out');
    expect(await closed).toBe(4403);
    const streamed = await sse;
    expect(streamed.completed).toBe(true);
    expect(streamed.payloads.at(-1)?.errors?.[0]).toMatchObject({ message: 'token has been revoked: signed out', extensions: { code: 'UNAUTHENTICATED' } });
    // A new graphql-ws connection with it is refused; the other session still works.
    const refused = await new Promise<number>((resolve) => wsClient(b.wsUrl, user.token, { on: { closed: (e) => resolve((e as { code: number }).code) } }));
    expect(refused).toBe(4403);
    expect((await gqlOk(a.url, '{ me { id } }', {}, other)).me.id).toBe(user.userId);
    expect((await gqlOk(b.url, '{ me { id } }', {}, other)).me.id).toBe(user.userId);
  });

  it('changePassword refuses every earlier token on both servers (subscriptions too), returns a working one, and checks the passwords', async () => {
    const user = await signUp(a.url, 'Password firm');
    const second = (await gqlOk(b.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: user.email, p: PASSWORD })).login.token;
    const projectId = await createProject(a.url, user.token, 'Watched');
    const closed = new Promise<number>((resolve) => {
      const client = wsClient(b.wsUrl, second, { on: { closed: (e) => resolve((e as { code: number }).code) } });
      collect<StatusEvent>(client, STATUS, { id: projectId });
    });
    await waitFor(async () => b.app.services.statusHub.size() > 0, 'subscription attached on B');

    const change = 'mutation($c: String!, $n: String!) { changePassword(current: $c, new: $n) { token user { id } } }';
    const wrong = await gql(a.url, change, { c: 'not my password', n: 'a brand new passphrase' }, user.token);
    expect(wrong.errors?.[0]).toMatchObject({ message: 'current password is not correct', extensions: { code: 'BAD_USER_INPUT', field: 'current' } });
    const weak = await gql(a.url, change, { c: PASSWORD, n: 'short' }, user.token);
    expect(weak.errors?.[0]).toMatchObject({ message: 'new password must be at least 10 characters', extensions: { code: 'BAD_USER_INPUT', field: 'new' } });
    const same = await gql(a.url, change, { c: PASSWORD, n: PASSWORD }, user.token);
    expect(same.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'new' });

    const changed = (await gqlOk(a.url, change, { c: PASSWORD, n: 'a brand new passphrase' }, user.token)).changePassword;
    for (const old of [user.token, second]) {
      const res = await gql(a.url, '{ me { id } }', {}, old);
      expect(res.errors?.[0]?.message).toContain('password was changed');
      await refusedOn(b, old, 'password was changed');
    }
    expect(await closed).toBe(4403);
    expect((await gqlOk(b.url, '{ me { id } }', {}, changed.token)).me.id).toBe(user.userId);
    const login = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
    expect((await gql(b.url, login, { e: user.email, p: PASSWORD })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await gqlOk(b.url, login, { e: user.email, p: 'a brand new passphrase' })).login.token).toBeTruthy();
  });

  it('checks the claims a graphql-ws connection keeps instead of its token again for each operation: signed out, expired', async () => {
    const user = await signUp(a.url, 'Claims firm');
    const claims = await a.app.services.auth.verify(user.token);
    const fresh = await createContext(b.app.services, claims, '127.0.0.1');
    expect(fresh.viewer).toMatchObject({ userId: user.userId, role: 'ADMIN' });
    expect(fresh.authError).toBeNull();

    expect(await gqlOk(a.url, 'mutation { logout }', {}, user.token)).toEqual({ logout: true });
    const signedOut = await createContext(a.app.services, claims, '127.0.0.1');
    expect(signedOut.viewer).toBeNull();
    expect(signedOut.authError).toMatchObject({ message: 'token has been revoked: signed out', code: 'UNAUTHENTICATED' });

    const expired = await createContext(b.app.services, { ...claims, expiresAt: Math.floor(Date.now() / 1000) - 1 }, '127.0.0.1');
    expect(expired.viewer).toBeNull();
    expect(expired.authError).toMatchObject({ message: 'token has expired', code: 'UNAUTHENTICATED' });
  });
});
