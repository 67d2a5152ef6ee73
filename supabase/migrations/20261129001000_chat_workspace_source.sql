-- A chat opened on a folder of the user's workspace (POST /api/files/chat) remembers that folder
-- and the version of each of its files it started from, so that saving back writes to the same
-- folder and refuses (409) to overwrite a file changed in the workspace since.

alter table chats add column workspace_path text;
-- { "<path relative to the folder>": <version> } as of the open or the last save back.
alter table chats add column workspace_versions jsonb;
