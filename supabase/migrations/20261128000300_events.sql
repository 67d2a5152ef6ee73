-- What happens over time, as append-only rows with a sequence number per stream (a build run's
-- events, a task's log): readers replay from a sequence number, then follow new rows as they
-- are written (lib/events). A stream's owner is the row it belongs to (a run for run:<id>).
create table events (
  id text primary key,
  stream text not null,
  seq bigint not null,
  type text not null,
  task_id text,
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (stream, seq)
);
create index events_stream_type_idx on events (stream, type, seq);

alter table events enable row level security;
