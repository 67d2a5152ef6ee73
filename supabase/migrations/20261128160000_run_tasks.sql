-- What a build run holds as it goes (lib/runs): the spec it builds, the checked plan, the
-- commit it started from and the one it produced, the verification's outcome, its token budget;
-- and its tasks, one row each, built on their own branches.

alter table runs add column spec_snapshot jsonb;
-- The checked plan: { tasks: [...], mergeOrder: [...] }.
alter table runs add column tasks_json jsonb;
alter table runs add column verification_result jsonb;
-- The commit of the project's main the run started from, and its own branch's head once merged.
alter table runs add column base_commit text;
alter table runs add column result_commit text;
-- Why a failed run failed, in words for people.
alter table runs add column error text;
alter table runs add column token_budget integer;
alter table runs add column tokens_used integer not null default 0;
alter table runs add column started_at timestamptz not null default now();
alter table runs add column completed_at timestamptz;
create index runs_user_status_idx on runs (user_id, status);

create table run_tasks (
  id text primary key,
  run_id text not null references runs (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  sequence integer not null,
  slug text not null,
  status text not null default 'pending' check (
    status in ('pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled')
  ),
  -- The task as planned: id, slug, description, instructions, dependencies, pathScope,
  -- expectedOutputs, requirements.
  definition jsonb not null,
  branch_name text not null,
  worktree_path text,
  -- { filesCreated, filesModified, commitSha } once built.
  result jsonb,
  attempts integer not null default 0,
  error text,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (run_id, sequence),
  unique (run_id, slug)
);

alter table run_tasks enable row level security;
create policy run_tasks_owner on run_tasks for all using (user_id = auth.uid());
