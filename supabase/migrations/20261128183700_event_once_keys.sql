-- An event that must be written at most once, whatever happens to the process writing it (a
-- worker killed between writing a build step's event and recording the step done), carries a
-- key unique in its stream: writing it again is a no-op.
alter table events add column once_key text;
create unique index events_once_key_idx on events (stream, once_key) where once_key is not null;
