-- Deployments from more than a project's run (POST /api/v1/deploy): a chat's app, a fragment
-- given inline, or a folder of the workspace. Their files are committed to a repository of
-- the user's own (DATA_DIR/deploy-sources), so every deployment still names one commit, and
-- such a deployment belongs to no project.

alter table deployments alter column project_id drop not null;
alter table deployments add column source text not null default 'run'
  check (source in ('run', 'chat', 'fragment', 'workspace'));
-- The chat's id or the workspace folder it came from; null for a run or an inline fragment.
alter table deployments add column source_ref text;
