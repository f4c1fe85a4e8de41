-- The `grid` WebSocket channel's numbers (indexer/src/grid_map.rs): bumped once by each
-- telemetry batch that changed a feeder's topology or state, in that batch's transaction.
-- Its own counter, not delta_seq: ingest numbers its channels from delta_seq and treats any
-- number it did not take as another writer's, forgetting every channel's last batch.
create table grid_delta_seq (
    only_row boolean primary key default true check (only_row),
    seq bigint not null
);
