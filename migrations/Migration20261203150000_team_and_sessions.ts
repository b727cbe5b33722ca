import { Migration } from '@mikro-orm/migrations';

/**
 * A firm as a team, and sessions that can end: roles on users, invitations (only a hash of the
 * single-use token is stored), a per-user token version (bumped by a password change: every
 * token carrying an older one is refused) and the ids of signed-out tokens until they expire.
 */
export class Migration20261203150000_team_and_sessions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- Every user so far signed up alone and made their own firm: each is its firm's admin.
      alter table users add column role text not null default 'ADMIN' check (role in ('ADMIN', 'MEMBER'));
      alter table users alter column role set default 'MEMBER';
      alter table users add column token_version integer not null default 0;

      create table invitations (
        id uuid primary key default gen_random_uuid(),
        firm_id uuid not null references firms (id) on delete cascade,
        email varchar(320) not null,
        name varchar(200) not null,
        role text not null check (role in ('ADMIN', 'MEMBER')),
        token_hash varchar(64) not null unique,
        invited_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        accepted_at timestamptz
      );
      create index invitations_firm_index on invitations (firm_id, email);

      create table revoked_tokens (
        jti uuid primary key,
        user_id uuid not null references users (id) on delete cascade,
        expires_at timestamptz not null
      );
      create index revoked_tokens_user_index on revoked_tokens (user_id, expires_at);
      create index revoked_tokens_expiry_index on revoked_tokens (expires_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists revoked_tokens, invitations;
      alter table users drop column if exists token_version, drop column if exists role;
    `);
  }
}
