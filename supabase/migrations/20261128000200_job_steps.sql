-- What each step of a job produced, written when the step finishes: a job taken again after
-- its worker died skips the steps already done and reuses what they produced (lib/queue).
create table job_steps (
  job_id text not null references jobs (id) on delete cascade,
  name text not null,
  result jsonb,
  finished_at timestamptz not null default now(),
  primary key (job_id, name)
);
-- Jobs that exist to be done once whatever asks twice carry a key of the caller's.
alter table jobs add column dedupe_key text;
create unique index jobs_dedupe_idx on jobs (kind, dedupe_key) where dedupe_key is not null;

alter table job_steps enable row level security;
