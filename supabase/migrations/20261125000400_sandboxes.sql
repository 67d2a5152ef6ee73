-- Sandboxes that run fragments and terminal commands. A row is the owner's handle on a sandbox
-- of some provider (local bubblewrap, or E2B); the reaper stops rows past their expiry.

create table sandboxes (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  provider text not null check (provider in ('local', 'e2b')),
  template text not null,
  status text not null default 'running' check (status in ('running', 'stopped', 'expired')),
  external_id text,
  working_directory text not null default '/workspace',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sandboxes_user_created_idx on sandboxes (user_id, created_at desc);
create index sandboxes_expiry_idx on sandboxes (expires_at) where status = 'running';

alter table sandboxes enable row level security;
create policy sandboxes_owner on sandboxes for all using (user_id = auth.uid());
