-- Each user's workspace of files, outliving chats and sandboxes (seed 000's Files API). A row
-- is a file or a directory named by its path below the workspace root; every ancestor of a
-- row is a directory row of its own, so the tree needs no guessing. Paths compare byte by byte
-- (collate "C"): a directory's subtree is then one index range, [dir/, dir0), '0' being the
-- character after '/'.
create table workspace_files (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  path text collate "C" not null,
  name text not null,
  -- '' for the top level.
  parent_path text collate "C" not null,
  is_directory boolean not null default false,
  -- A file is text (content, encoding 'utf-8') or bytes (content_binary, encoding 'base64');
  -- a directory has neither.
  content text,
  content_binary bytea,
  encoding text not null default 'utf-8' check (encoding in ('utf-8', 'base64')),
  size_bytes bigint not null default 0 check (size_bytes >= 0),
  -- Starts at 1 and grows by one with every change of the file; a write that names an older
  -- version is refused instead of overwriting what it never saw.
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, path),
  check (
    (is_directory and content is null and content_binary is null and size_bytes = 0)
    or (not is_directory and encoding = 'utf-8' and content is not null and content_binary is null)
    or (not is_directory and encoding = 'base64' and content is null and content_binary is not null)
  )
);

alter table workspace_files enable row level security;
create policy workspace_files_owner on workspace_files for all using (user_id = auth.uid());

-- The bytes each workspace holds, kept by the triggers below in the same statement as the
-- change, whoever writes the rows: the per-user limit is then one row to read (under the
-- workspace lock, lib/files/file-rows.ts), not a sum over every file.
create table workspace_usage (
  user_id uuid primary key references users (id) on delete cascade,
  bytes bigint not null default 0
);

alter table workspace_usage enable row level security;
create policy workspace_usage_owner on workspace_usage for select using (user_id = auth.uid());

-- Security definer: on Supabase a client writing its own files directly (under the policy above)
-- still moves its usage row, which it may only read.
create function workspace_usage_add() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  insert into workspace_usage (user_id, bytes)
  select user_id, sum(size_bytes) from new_rows group by user_id
  on conflict (user_id) do update set bytes = workspace_usage.bytes + excluded.bytes;
  return null;
end $$;

create function workspace_usage_remove() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  update workspace_usage u set bytes = u.bytes - gone.bytes
    from (select user_id, sum(size_bytes) as bytes from old_rows group by user_id) gone
   where u.user_id = gone.user_id;
  return null;
end $$;

-- Postgres allows transition tables on single-event triggers only: an update is a removal of
-- the old rows and an addition of the new.
create trigger workspace_files_usage_insert after insert on workspace_files
  referencing new table as new_rows for each statement execute function workspace_usage_add();
create trigger workspace_files_usage_update_old after update on workspace_files
  referencing old table as old_rows for each statement execute function workspace_usage_remove();
create trigger workspace_files_usage_update_new after update on workspace_files
  referencing new table as new_rows for each statement execute function workspace_usage_add();
create trigger workspace_files_usage_delete after delete on workspace_files
  referencing old table as old_rows for each statement execute function workspace_usage_remove();
