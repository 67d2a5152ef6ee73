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
