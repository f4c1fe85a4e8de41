-- The grid the simulator publishes on Kafka `grid-state` (gridtokenx_telemetry::decode_grid):
-- each feeder's topology and its latest power-flow state, served as vector tiles (/tiles/grid).
-- Both are "latest wins" snapshots; delivery is at-least-once, so every write is guarded by
-- an order and a redelivered or older message never replaces a newer one.

-- The feeder as published (GridTopologyV1: buses with WGS84 coordinates, lines,
-- transformers, slack, and meters -> bus), one row per feeder. Kept whole as the message's
-- JSON: it is read whole to draw tiles, and one source of truth (the telemetry crate's
-- types) decodes it. Ordered by the Kafka offset (messages are keyed by feeder, so one
-- feeder's messages are on one partition, in order).
create table grid_topologies (
    feeder text primary key,
    source text not null,
    topology jsonb not null,
    buses integer not null,
    lines integer not null,
    transformers integer not null,
    kafka_partition integer not null,
    kafka_offset bigint not null,
    received_at timestamptz not null default now()
);

-- Where each meter hangs (from the latest topology), for joins with telemetry_readings.
create table grid_meters (
    feeder text not null references grid_topologies (feeder) on delete cascade,
    meter_id text not null,
    bus text not null,
    connected boolean not null,
    primary key (feeder, meter_id)
);
create index grid_meters_meter_id on grid_meters (meter_id);

-- The latest power flow per feeder (GridStateV1): `flow` null when it did not converge.
-- Ordered by the interval: an older interval never overwrites a newer one.
create table grid_states (
    feeder text primary key,
    interval_start_ts bigint not null,
    interval_secs bigint not null,
    flow jsonb,
    events jsonb not null,
    losses_mw double precision,
    kafka_partition integer not null,
    kafka_offset bigint not null,
    received_at timestamptz not null default now()
);
