-- A chat keeps the sandbox its fragments run in: a reload, or opening the chat again, finds it
-- there instead of starting another. The row outlives its sandbox; a stopped one is replaced
-- on the next run.

alter table chats add column sbx_id text references sandboxes (id) on delete set null;
