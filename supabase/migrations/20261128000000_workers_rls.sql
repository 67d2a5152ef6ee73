-- Workers are Kiln's own processes, no user's rows: with row level security on and no policy,
-- a direct Supabase client (anon or authenticated) reads nothing, while Kiln's server, the
-- table's owner, is not bound by it. Every other table already has it on.
alter table workers enable row level security;
