-- Deployments (lib/deployments): a run's result kept running by a provider. The local provider
-- builds it in a sandbox on this machine and supervises its process; the app is reached through
-- Kiln at its own origin and, when `port` is set, on that port of KILN_DEPLOY_HOST.

create table deployments (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  project_id text not null references projects (id) on delete cascade,
  run_id text references runs (id) on delete set null,
  name text not null,
  provider text not null default 'local' check (provider in ('local')),
  -- What the user wants (live or stopped) is `status` once deploying is over; failed means the
  -- build or the start did not succeed and nothing runs.
  status text not null default 'deploying'
    check (status in ('deploying', 'live', 'failed', 'stopped')),
  -- The commit deployed, fixed when the deployment is asked for.
  commit_sha text not null,
  -- The host port, when one was asked for.
  port integer check (port between 1 and 65535),
  -- Environment variables as one sealed JSON object (lib/secrets.ts), never stored in clear.
  environment_sealed text,
  environment_keys text[] not null default '{}',
  cpu_limit text,
  memory_limit text,
  health_check_path text not null default '/',
  -- Times the supervisor started the app again after it exited on its own.
  restart_count integer not null default 0,
  -- Why the app last exited on its own: "exit code 1", or the limit that ended it ("memory").
  last_exit text,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  stopped_at timestamptz
);
create index deployments_user_idx on deployments (user_id, created_at desc);
create index deployments_project_idx on deployments (project_id, created_at desc);
-- One deployment at a time on a host port: taken atomically with the row, before any work.
create unique index deployments_port_idx on deployments (port)
  where port is not null and status in ('deploying', 'live');

alter table deployments enable row level security;
create policy deployments_owner on deployments for all using (user_id = auth.uid());
