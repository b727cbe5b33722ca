import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sql } from '../database/sql.js';
import { User, type UserRole } from '../entities/index.js';
import { checkPassword, hashPassword, normalizeEmail, requireText, type AuthPayload, type AuthService, type Viewer } from './auth.js';
import { AppError, badInput, notFound, parseId } from './errors.js';
import type { Logger } from './logger.js';

/** What `inviteUser` hands back: the link carries the token, which is stored only as a hash. */
export interface Invitation {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  expiresAt: Date;
  link: string;
}

export const INVITATION_DAYS = 7;
const TOKEN = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * A firm as several people: listing them, inviting, accepting, changing roles, removing.
 * Invariants: a firm always keeps at least one ADMIN (role changes and removals of a firm are
 * serialised on its row, so two admins demoting each other cannot both succeed); an invitation
 * is accepted at most once (one conditional update) and never after `expiresAt`; its token is
 * never stored or logged, only its sha256.
 */
export function createTeamService({ sql, auth, logger, publicUrl }: { sql: Sql; auth: AuthService; logger: Logger; publicUrl: () => string }) {
  const log = logger.child({ component: 'team' });

  /**
   * Locks the firm (team changes one at a time) and checks, under that lock, that the caller is
   * still an ADMIN: the role in the token's session is up to a few seconds old.
   */
  async function lockAsAdmin(tx: Sql, viewer: Viewer): Promise<void> {
    await tx.query('select id from firms where id = $1 for update', [viewer.firmId]);
    const me = await tx.query<{ role: UserRole }>('select role from users where id = $1 and firm_id = $2', [viewer.userId, viewer.firmId]);
    if (!me[0]) throw new AppError('UNAUTHENTICATED', 'the user of this token no longer exists');
    if (me[0].role !== 'ADMIN') throw new AppError('FORBIDDEN', 'only an admin of the firm can manage its users; you are no longer one');
  }

  /** `lockAsAdmin`, then the target user of the caller's firm. */
  async function lockMember(tx: Sql, viewer: Viewer, userId: string) {
    await lockAsAdmin(tx, viewer);
    const firmId = viewer.firmId;
    const rows = await tx.query<{ role: UserRole; email: string; admins: number }>(
      `select role, email, (select count(*)::int from users where firm_id = $2 and role = 'ADMIN') as admins
       from users where id = $1 and firm_id = $2`,
      [userId, firmId],
    );
    if (!rows[0]) throw notFound('user');
    return rows[0];
  }

  const lastAdmin = (email: string, what: string) =>
    new AppError('CONFLICT', `${email} is the firm's last admin and cannot be ${what}: make another user ADMIN first`);

  return {
    list(em: EntityManager, firmId: string) {
      return em.find(User, { firmId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    },

    async invite(viewer: Viewer, input: { email: string; name: string; role: UserRole }): Promise<Invitation> {
      const email = normalizeEmail(input.email);
      const name = requireText(input.name, 'name', 200);
      const token = randomBytes(32).toString('base64url');
      const row = await sql.tx(async (tx) => {
        await lockAsAdmin(tx, viewer);
        if ((await tx.query('select 1 from users where email = $1', [email])).length > 0) {
          throw badInput(`${email} is already registered: a person belongs to one firm`, 'email');
        }
        // A new invitation replaces an unused one to the same address: one valid link at a time.
        await tx.query('delete from invitations where firm_id = $1 and email = $2 and accepted_at is null', [viewer.firmId, email]);
        const rows = await tx.query<{ id: string; expiresAt: Date }>(
          `insert into invitations (firm_id, email, name, role, token_hash, invited_by, expires_at)
           values ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7)) returning id, expires_at as "expiresAt"`,
          [viewer.firmId, email, name, input.role, hashToken(token), viewer.userId, INVITATION_DAYS],
        );
        return rows[0]!;
      });
      // No mail server: the admin passes the link on. The token itself is never logged.
      log.info({ invitationId: row.id, firmId: viewer.firmId, invitedBy: viewer.userId, role: input.role }, 'invitation issued');
      return { id: row.id, email, name, role: input.role, expiresAt: row.expiresAt, link: `${publicUrl()}/?invitation=${token}` };
    },

    /** Creates the invited user in the inviting firm, signed in. */
    async accept(em: EntityManager, token: string, password: string): Promise<AuthPayload> {
      if (!TOKEN.test(token)) throw badInput('this invitation link is not valid: copy the whole link', 'token');
      const passwordHash = await hashPassword(checkPassword(password, 'password'));
      const hash = hashToken(token);
      const userId = await sql.tx(async (tx) => {
        const taken = await tx.query<{ firmId: string; email: string; name: string; role: UserRole }>(
          `update invitations set accepted_at = now() where token_hash = $1 and accepted_at is null and expires_at > now()
           returning firm_id as "firmId", email, name, role`,
          [hash],
        );
        const invitation = taken[0];
        if (!invitation) {
          const rows = await tx.query<{ used: boolean }>('select accepted_at is not null as used from invitations where token_hash = $1', [hash]);
          if (!rows[0]) throw badInput('this invitation link is not valid: it may have been replaced by a newer one', 'token');
          if (rows[0].used) throw badInput('this invitation has already been used: sign in instead', 'token');
          throw badInput(`this invitation has expired (they are valid for ${INVITATION_DAYS} days): ask your firm's admin for a new one`, 'token');
        }
        if ((await tx.query('select 1 from users where email = $1', [invitation.email])).length > 0) {
          throw badInput(`${invitation.email} is already registered: sign in with it instead`, 'token');
        }
        const users = await tx.query<{ id: string }>(
          'insert into users (firm_id, email, name, password_hash, role) values ($1, $2, $3, $4, $5) returning id',
          [invitation.firmId, invitation.email, invitation.name, passwordHash, invitation.role],
        );
        return users[0]!.id;
      }).catch((err: unknown) => {
        if ((err as { code?: string }).code === '23505') throw badInput('this email is already registered: sign in with it instead', 'token');
        throw err;
      });
      log.info({ userId }, 'invitation accepted');
      return auth.issue(await em.findOneOrFail(User, { id: userId }));
    },

    async updateRole(em: EntityManager, viewer: Viewer, rawUserId: string, role: UserRole): Promise<User> {
      const userId = parseId(rawUserId, 'userId');
      await sql.tx(async (tx) => {
        const target = await lockMember(tx, viewer, userId);
        if (target.role === 'ADMIN' && role !== 'ADMIN' && target.admins <= 1) throw lastAdmin(target.email, 'made a MEMBER');
        await tx.query('update users set role = $2 where id = $1', [userId, role]);
      });
      auth.forget(userId);
      log.info({ userId, firmId: viewer.firmId, role, by: viewer.userId }, 'role changed');
      const user = await em.findOneOrFail(User, { id: userId });
      await em.refresh(user);
      return user;
    },

    /** Removes a user from the firm; their tokens are refused from now on. */
    async remove(viewer: Viewer, rawUserId: string): Promise<void> {
      const userId = parseId(rawUserId, 'userId');
      await sql.tx(async (tx) => {
        const target = await lockMember(tx, viewer, userId);
        if (target.role === 'ADMIN' && target.admins <= 1) throw lastAdmin(target.email, 'removed');
        await tx.query('delete from users where id = $1', [userId]);
      });
      auth.forget(userId);
      log.info({ userId, firmId: viewer.firmId, by: viewer.userId }, 'user removed');
    },
  };
}
export type TeamService = ReturnType<typeof createTeamService>;
