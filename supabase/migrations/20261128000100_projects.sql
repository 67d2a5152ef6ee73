-- Spec-driven builds: projects (each with a git repository under DATA_DIR/repos), the versions
-- of their spec, and the runs that build an approved spec. A project moves through
-- draft -> clarifying -> spec_review -> approved -> building -> built | failed -> archived
-- (lib/projects/states.ts enforces the transitions); runs are filled in by the build pipeline.

create table projects (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  name text not null,
  description text not null default '',
  status text not null default 'draft' check (
    status in ('draft', 'clarifying', 'spec_review', 'approved', 'building', 'built', 'failed', 'archived')
  ),
  -- The status before archiving, so the project's history reads right.
  archived_from text,
  project_type text,
  tech_stack text[] not null default '{}',
  repo_path text not null,
  -- The clarifying questions last asked (lib/specs), answered to make spec version 1.
  questions jsonb,
  -- Words of the name and description, for search (lib/projects/search.ts builds the query).
  search tsvector generated always as (
    to_tsvector('simple', name || ' ' || description)
  ) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index projects_user_updated_idx on projects (user_id, updated_at desc, id);
create index projects_user_status_idx on projects (user_id, status);
create index projects_search_idx on projects using gin (search);

create table spec_versions (
  project_id text not null references projects (id) on delete cascade,
  version integer not null,
  -- The model's spec as checked structure, and the four documents rendered from it.
  draft jsonb not null,
  documents jsonb not null,
  -- The questions with their answers (and which were assumed), for version 1.
  clarifications jsonb,
  feedback text,
  approved_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (project_id, version)
);

create table runs (
  id text primary key,
  project_id text not null references projects (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  run_number integer not null,
  status text not null default 'decomposing' check (
    status in ('decomposing', 'executing', 'merging', 'verifying', 'succeeded', 'failed', 'cancelled')
  ),
  trigger text not null default 'manual',
  spec_version integer not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, run_number)
);
create index runs_project_number_idx on runs (project_id, run_number desc);

alter table projects enable row level security;
alter table spec_versions enable row level security;
alter table runs enable row level security;
create policy projects_owner on projects for all using (user_id = auth.uid());
create policy spec_versions_owner on spec_versions for all using (
  exists (select 1 from projects p where p.id = project_id and p.user_id = auth.uid())
);
create policy runs_owner on runs for all using (user_id = auth.uid());
