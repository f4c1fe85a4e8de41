//! The Kafka-protocol broker of the tests (tools/broker), and a producer to it.
use std::time::Duration;

pub use gridtokenx_broker::BrokerProcess as Broker;

/// A producer (acks=all) to `broker`'s `topic`, once it exists with one partition.
pub async fn producer_with_topic(broker: &Broker, topic: &str) -> TopicProducer {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    let mut config = rdkafka::config::ClientConfig::new();
    config.set("bootstrap.servers", &broker.address);
    let admin: AdminClient<rdkafka::client::DefaultClientContext> = config.create().unwrap();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let new = NewTopic::new(topic, 1, TopicReplication::Fixed(1));
    for created in admin.create_topics([&new], &options).await.unwrap() {
        created.expect("topic created");
    }
    TopicProducer { producer: config.set("acks", "all").create().unwrap(), topic: topic.to_string() }
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

