//! A Yellowstone (Geyser) gRPC server, generated from `yellowstone-grpc-proto`: the stream
//! an indexer subscribes to on a real cluster. Account, transaction and slot updates with
//! the usual filters, commitment levels, ping/pong, and `from_slot` replay over a retained
//! window; the unary calls too. The real `yellowstone-grpc-client` connects unmodified.
mod encode;
pub mod feed;
mod filters;
mod service;

pub use feed::Feed;
pub use service::serve;
