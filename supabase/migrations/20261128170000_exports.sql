-- Zip exports of a build run's result (lib/exports): made by a background job from the commit
-- pinned when asked for, kept as DATA_DIR/exports/<id>.zip until expires_at, when a periodic
-- sweep deletes the file and the row.

create table exports (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  run_id text not null references runs (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  format text not null default 'zip' check (format in ('zip')),
  status text not null default 'processing' check (status in ('processing', 'completed', 'failed')),
  -- The commit the archive is made from, fixed when the export is asked for.
  commit_sha text not null,
  -- The name a download is saved under: <project-slug>-run-<n>.zip.
  file_name text not null,
  size_bytes bigint,
  error text,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  expires_at timestamptz not null
);
create index exports_project_idx on exports (project_id, created_at desc);
create index exports_expires_idx on exports (expires_at);

alter table exports enable row level security;
create policy exports_owner on exports for all using (user_id = auth.uid());
