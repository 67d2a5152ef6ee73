-- The job queue every worker shares: a worker claims a row with FOR UPDATE SKIP LOCKED and holds
-- it by renewing lease_expires_at; a lease that runs out puts the job back in the queue.
create table jobs (
  id text primary key,
  user_id uuid references users (id) on delete cascade,
  kind text not null,
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null default 3,
  run_after timestamptz not null default now(),
  lease_owner text,
  lease_expires_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index jobs_claim_idx on jobs (status, run_after) where status = 'queued';
create index jobs_lease_idx on jobs (lease_expires_at) where status = 'running';

-- Each worker process announces itself here so health checks can tell live workers from none.
create table workers (
  id text primary key,
  hostname text not null,
  pid integer not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now()
);

alter table jobs enable row level security;
create policy jobs_owner on jobs for select using (user_id = auth.uid());
