-- Each user's own GitHub token (a personal access token saved in Settings), sealed like model
-- keys: the plaintext leaves lib/github only in the Authorization header of a call to GitHub.
create table github_credentials (
  user_id uuid primary key references users (id) on delete cascade,
  token_ciphertext text not null,
  token_hint text not null,
  -- The account the token signs in as, learned when it was saved.
  login text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table github_credentials enable row level security;
create policy github_credentials_owner on github_credentials for all using (user_id = auth.uid());
