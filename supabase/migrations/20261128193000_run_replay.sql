-- A run can be replayed from its model calls: each call of a run that got an answer keeps that
-- answer (the text the step used), keyed by the step (decompose, or a task's slug), the purpose,
-- the attempt and the prompt's hash, in the order the calls were made. The seal is an HMAC under
-- a key derived from KILN_SECRET, so an answer altered in the database is refused by a replay
-- rather than built. Answers may hold the user's generated code; never keys or headers.
create table run_model_replies (
  id bigint generated always as identity primary key,
  run_id text not null references runs (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  step text not null,
  purpose text not null,
  attempt integer not null check (attempt >= 1),
  prompt_hash text not null,
  reply text not null,
  seal text not null,
  created_at timestamptz not null default now()
);
create index run_model_replies_key_idx
  on run_model_replies (run_id, step, purpose, attempt, prompt_hash, id);

alter table run_model_replies enable row level security;
create policy run_model_replies_owner on run_model_replies for select using (user_id = auth.uid());

-- A replay names the run it replays and whether a call with no recorded answer may ask the
-- model (else it fails the run).
alter table runs add column replay_of text references runs (id) on delete set null;
alter table runs add column replay_asks_model boolean not null default false;
