-- What the build pipeline (lib/runs) needs beyond the runs and run_tasks columns: every model
-- call a run makes names the run, so its usage (and its token budget) is counted per run; and a
-- user's running builds are a counter on the user, taken and given back in the same statements
-- that start and end a run, so the tier's cap holds however many requests arrive at once.

alter table llm_calls add column run_id text references runs (id) on delete set null;
create index llm_calls_run_idx on llm_calls (run_id) where run_id is not null;

alter table users add column active_runs integer not null default 0 check (active_runs >= 0);
