-- Meter telemetry from Kafka (`meter-readings`, schema crate `gridtokenx-telemetry`).
-- Delivery is at-least-once: a reading is keyed by (meter, interval_start_ts) and the first
-- copy wins, so redelivery and simulator replays insert nothing twice.
create table telemetry_readings (
    meter text not null,
    interval_start_ts bigint not null,
    interval_secs bigint not null,
    meter_id text not null,
    -- Cumulative Wh counters, u64 on the wire.
    produced_wh numeric(20,0) not null,
    consumed_wh numeric(20,0) not null,
    kind text not null,
    weather text not null,
    oracle text,
    signature text,
    -- Where the stored copy came from, to trace a row back to the log.
    kafka_partition integer not null,
    kafka_offset bigint not null,
    received_at timestamptz not null default now(),
    -- Also the index for "latest readings of a meter" (scanned backwards).
    primary key (meter, interval_start_ts)
);

-- Messages the consumer refused (gridtokenx_telemetry::decode), with the raw bytes
-- so that they can be inspected and replayed. `code` is the stable reason (unparseable,
-- unknown_schema, negative_energy, future_timestamp, invalid); `reason` the full text.
create table telemetry_dead_letters (
    id bigserial primary key,
    topic text not null,
    kafka_partition integer not null,
    kafka_offset bigint not null,
    key bytea,
    payload bytea,
    code text not null,
    reason text not null,
    received_at timestamptz not null default now(),
    -- A redelivered message is dead-lettered once.
    unique (topic, kafka_partition, kafka_offset)
);
create index telemetry_dead_letters_received on telemetry_dead_letters (received_at);
