//! A Kafka-protocol broker (tansu) on a free port, killed on drop: in memory, or durable in
//! an SQLite file as `make demo` runs it. The workspace builds it
//! (tools/broker); `TANSU` overrides the binary.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct Broker {
    child: std::process::Child,
    pub address: String,
    storage: &'static str,
    dir: Option<PathBuf>,
}

impl Broker {
    pub fn start() -> Broker {
        Broker::spawn("memory://tansu/", None, free_address())
    }

    /// Keeps topics and groups in `dir`/tansu.db, as `make demo`'s broker does.
    pub fn start_durable(dir: &Path) -> Broker {
        Broker::spawn("sqlite://tansu.db", Some(dir.to_path_buf()), free_address())
    }

    /// SIGKILL: nothing is flushed, no client is told.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The same broker again on the same storage and address.
    pub fn restart(&mut self) {
        self.kill_9();
        let again = Broker::spawn(self.storage, self.dir.take(), self.address.clone());
        *self = again;
    }

    fn spawn(storage: &'static str, dir: Option<PathBuf>, address: String) -> Broker {
        let binary = broker_binary();
        assert!(
            binary.exists(),
            "no Kafka broker at {}: run `cargo build --workspace --bins` (or `make test`), or set TANSU",
            binary.display()
        );
        let url = format!("tcp://{address}");
        let mut command = std::process::Command::new(&binary);
        command
            .args(["broker", "--storage-engine", storage, "--listener-url", &url, "--advertised-listener-url", &url])
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null());
        // tansu opens `sqlite://<file>` relative to its working directory.
        if let Some(dir) = &dir {
            command.current_dir(dir);
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(Instant::now() < deadline, "tansu did not listen on {address}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Broker { child, address, storage, dir }
    }
}

fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("127.0.0.1:{port}")
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

/// The broker binary: `TANSU` when set, else the workspace's `gridtokenx-broker` beside this
/// test binary (target/debug/deps/<test> → target/debug), built by `make test`'s
/// `cargo build --workspace --bins`.
fn broker_binary() -> PathBuf {
    if let Ok(path) = std::env::var("TANSU") {
        return PathBuf::from(path);
    }
    let test = std::env::current_exe().expect("the test binary's path");
    let debug = test.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps/<test>");
    debug.join("gridtokenx-broker")
}
