-- Remote deployment providers (lib/deployments/vercel, lib/deployments/netlify): a deployment on
-- Vercel or Netlify keeps the provider's own ids and the URL it serves at. `remote_site_id` is
-- the Netlify site Kiln created for it (Vercel has none: its deployments stand alone).
alter table deployments drop constraint if exists deployments_provider_check;
alter table deployments
  add constraint deployments_provider_check check (provider in ('local', 'vercel', 'netlify'));
alter table deployments add column remote_id text;
alter table deployments add column remote_site_id text;
alter table deployments add column remote_url text;

-- Each user's tokens for those providers, saved in Settings and sealed like model keys
-- (lib/secrets.ts): the plaintext leaves lib/deployments only in the Authorization header of a
-- call to that provider. `team_id` is Vercel's optional team to deploy under.
create table deploy_provider_credentials (
  user_id uuid not null references users (id) on delete cascade,
  provider text not null check (provider in ('vercel', 'netlify')),
  token_ciphertext text not null,
  token_hint text not null,
  team_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, provider)
);

alter table deploy_provider_credentials enable row level security;
create policy deploy_provider_credentials_owner on deploy_provider_credentials
  for all using (user_id = auth.uid());
