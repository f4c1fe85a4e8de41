//! A Kafka-protocol broker (tansu, in memory) on a free port, killed on drop: the same
//! starter as the simulator's tests. `make test` installs tansu into the project cache
//! (scripts/env.sh); `TANSU` overrides the binary.
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Broker {
    child: std::process::Child,
    pub address: String,
}

impl Broker {
    pub fn start() -> Broker {
        let binary = std::env::var("TANSU").map(PathBuf::from).unwrap_or_else(|_| cache_dir().join("tools/bin/tansu"));
        assert!(binary.exists(), "no Kafka broker at {}: run `make test` (it installs tansu) or set TANSU", binary.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let address = format!("127.0.0.1:{port}");
        let url = format!("tcp://{address}");
        let child = std::process::Command::new(&binary)
            .args(["broker", "--storage-engine", "memory://tansu/", "--listener-url", &url, "--advertised-listener-url", &url])
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(Instant::now() < deadline, "tansu did not listen on {address}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Broker { child, address }
    }
}

impl Broker {
    /// A producer (acks=all) to this broker's `topic`, once it exists with one partition.
    pub async fn producer_with_topic(&self, topic: &str) -> TopicProducer {
        use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
        let mut config = rdkafka::config::ClientConfig::new();
        config.set("bootstrap.servers", &self.address);
        let admin: AdminClient<rdkafka::client::DefaultClientContext> = config.create().unwrap();
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        let new = NewTopic::new(topic, 1, TopicReplication::Fixed(1));
        for created in admin.create_topics([&new], &options).await.unwrap() {
            created.expect("topic created");
        }
        TopicProducer { producer: config.set("acks", "all").create().unwrap(), topic: topic.to_string() }
    }
}

/// Sends to one topic, each message acknowledged before `send` returns.
pub struct TopicProducer {
    producer: rdkafka::producer::FutureProducer,
    topic: String,
}

impl TopicProducer {
    pub async fn send(&self, key: &str, payload: &[u8]) {
        let record = rdkafka::producer::FutureRecord::<str, [u8]>::to(&self.topic).key(key).payload(payload);
        self.producer.send(record, Duration::from_secs(10)).await.map_err(|(e, _)| e).expect("delivered");
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The project cache, where `make test` installs test-only tools.
fn cache_dir() -> PathBuf {
    std::env::var("GRIDTOKENX_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/gridtokenx"))
}
