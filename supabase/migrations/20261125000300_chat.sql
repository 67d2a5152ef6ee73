-- Chats of the browser IDE, their messages (an assistant message carries the fragment it
-- wrote), every model call Kiln makes, and users' own model provider credentials.

create table chats (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  title text not null,
  template text,
  model text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index chats_user_updated_idx on chats (user_id, updated_at desc);

create table chat_messages (
  id text primary key,
  chat_id text not null references chats (id) on delete cascade,
  seq bigint generated always as identity,
  role text not null check (role in ('user', 'assistant')),
  content text not null default '',
  fragment jsonb,
  status text not null default 'complete' check (status in ('complete', 'failed')),
  error text,
  created_at timestamptz not null default now()
);
create index chat_messages_chat_seq_idx on chat_messages (chat_id, seq);

create table llm_calls (
  id text primary key,
  user_id uuid references users (id) on delete set null,
  chat_id text references chats (id) on delete set null,
  purpose text not null,
  provider text not null,
  model text not null,
  key_source text not null check (key_source in ('server', 'user', 'request', 'none')),
  prompt_hash text not null,
  input_tokens integer,
  output_tokens integer,
  latency_ms integer not null,
  outcome text not null check (outcome in ('ok', 'invalid_output', 'provider_error', 'aborted')),
  error text,
  created_at timestamptz not null default now()
);
create index llm_calls_user_created_idx on llm_calls (user_id, created_at desc);

create table model_credentials (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  provider text not null check (provider in ('openai', 'anthropic', 'google', 'openai-compatible')),
  base_url text,
  key_ciphertext text,
  key_hint text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, provider)
);

alter table chats enable row level security;
alter table chat_messages enable row level security;
alter table llm_calls enable row level security;
alter table model_credentials enable row level security;

create policy chats_owner on chats for all using (user_id = auth.uid());
create policy chat_messages_owner on chat_messages for all
  using (exists (select 1 from chats c where c.id = chat_id and c.user_id = auth.uid()));
create policy llm_calls_owner on llm_calls for select using (user_id = auth.uid());
create policy model_credentials_owner on model_credentials for all using (user_id = auth.uid());
