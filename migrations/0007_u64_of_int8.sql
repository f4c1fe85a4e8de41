-- u64 counters cross the wire as int8 bit patterns (Rust's `v as i64`) and become numeric
-- here: binary int8 is 8 bytes to encode and decode, where a numeric is a base-10000 digit
-- array built per value on both sides — a fleet's batch binds 100,000 of them. Exact for
-- the whole u64 range: a negative pattern is a value of 2^63 or more.
create function u64_of_int8(bits int8) returns numeric
    language sql immutable strict parallel safe
    return case when bits < 0 then bits::numeric + 18446744073709551616 else bits::numeric end;
