-- Kiln's own users are the source of user ids for every other table. In Supabase mode a row is
-- linked to the Supabase Auth user through external_id.
create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  password_hash text,
  auth_provider text not null default 'local' check (auth_provider in ('local', 'supabase')),
  external_id text unique,
  is_admin boolean not null default false,
  tier text not null default 'free' check (tier in ('free', 'pro', 'enterprise')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

create table sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  user_agent text
);
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expires_at_idx on sessions (expires_at);

create table api_keys (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  name text not null,
  prefix text not null,
  key_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_user_id_idx on api_keys (user_id, created_at desc);

alter table users enable row level security;
alter table sessions enable row level security;
alter table api_keys enable row level security;

create policy users_self on users for select using (id = auth.uid());
create policy sessions_owner on sessions for all using (user_id = auth.uid());
create policy api_keys_owner on api_keys for all using (user_id = auth.uid());
