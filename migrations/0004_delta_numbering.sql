-- WebSocket deltas are numbered by the batch that committed them: one counter for every
-- channel, bumped once per batch, instead of one row per channel bumped for every channel
-- a batch touches (20,000 upserts for a batch of 20,000 meters). Each delta also names the
-- batch of its channel's previous delta (`prev`), so a client still detects a lost delta:
-- it applies a delta only when it holds the state as of `prev`.
create table delta_seq (
    only_row boolean primary key default true check (only_row),
    seq bigint not null
);

-- Numbers keep growing across the upgrade, so a connected client never sees one go back.
insert into delta_seq (seq) select coalesce(max(seq), 0) from channel_seq;

drop table channel_seq;
