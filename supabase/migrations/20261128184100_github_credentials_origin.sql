-- Where a user's GitHub token came from: saved in Settings ('token'), or handed over by
-- Supabase when they signed in with GitHub ('sign-in'). A later sign-in refreshes a token of
-- its own kind, never one the user saved themselves.
alter table github_credentials
  add column origin text not null default 'token' check (origin in ('token', 'sign-in'));
