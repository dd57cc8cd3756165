//! Topic admin through the controller: CreateTopics, DeleteTopics, CreatePartitions.

use super::{check, items, unique_names, Client, Deadline};
use crate::conn::TopicSpec;
use crate::error::Result;
use crate::protocol::messages::create_partitions_request::CreatePartitionsTopic;
use crate::protocol::messages::delete_topics_request::DeleteTopicState;
use crate::protocol::messages::{CreatePartitionsRequest, CreateTopicsRequest, DeleteTopicsRequest};

/// Grow a topic to `total_count` partitions (kafka-go's TopicPartitionsConfig, without
/// explicit assignments: the controller places the new partitions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPartitions {
    pub topic: String,
    pub total_count: i32,
}

impl Client {
    /// Creates topics; one result per topic, in order. With `validate_only` the controller only
    /// checks the request (a topic that exists still fails with TOPIC_ALREADY_EXISTS).
    pub async fn create_topics(
        &self,
        topics: &[TopicSpec],
        validate_only: bool,
        deadline: Deadline,
    ) -> Result<Vec<Result<()>>> {
        unique_names(topics.iter().map(|t| t.name.as_str()), "topic")?;
        let names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
        Ok(self
            .retry_items(deadline, &names, |_, ask: Vec<String>| {
                Box::pin(async move {
                    let req = CreateTopicsRequest {
                        topics: topics
                            .iter()
                            .filter(|t| ask.contains(&t.name))
                            .map(TopicSpec::to_creatable)
                            .collect(),
                        timeout_ms: deadline.broker_timeout_ms(),
                        validate_only,
                        ..Default::default()
                    };
                    let resp = self.controller().await?.send(&req).await?;
                    Ok(items(
                        resp.topics
                            .into_iter()
                            .map(|t| {
                                let what = format!("create topic {}", t.name);
                                (t.name, check(t.error_code, t.error_message, || what))
                            })
                            .collect(),
                    ))
                })
            })
            .await)
    }

    /// Deletes topics by name; one result per topic, in order.
    pub async fn delete_topics(&self, names: &[String], deadline: Deadline) -> Result<Vec<Result<()>>> {
        unique_names(names.iter().map(String::as_str), "topic")?;
        Ok(self
            .retry_items(deadline, names, |_, ask: Vec<String>| {
                Box::pin(async move {
                    let req = DeleteTopicsRequest {
                        topics: ask
                            .iter()
                            .map(|n| DeleteTopicState { name: Some(n.clone()), ..Default::default() })
                            .collect(),
                        topic_names: ask.clone(),
                        timeout_ms: deadline.broker_timeout_ms(),
                        ..Default::default()
                    };
                    let resp = self.controller().await?.send(&req).await?;
                    Ok(items(
                        resp.responses
                            .into_iter()
                            .map(|t| {
                                let name = t.name.unwrap_or_default();
                                let what = format!("delete topic {name}");
                                (name, check(t.error_code, t.error_message, || what))
                            })
                            .collect(),
                    ))
                })
            })
            .await)
    }

    /// Raises topics' partition counts; one result per topic, in order.
    pub async fn create_partitions(
        &self,
        topics: &[NewPartitions],
        validate_only: bool,
        deadline: Deadline,
    ) -> Result<Vec<Result<()>>> {
        unique_names(topics.iter().map(|t| t.topic.as_str()), "topic")?;
        let names: Vec<String> = topics.iter().map(|t| t.topic.clone()).collect();
        Ok(self
            .retry_items(deadline, &names, |_, ask: Vec<String>| {
                Box::pin(async move {
                    let req = CreatePartitionsRequest {
                        topics: topics
                            .iter()
                            .filter(|t| ask.contains(&t.topic))
                            .map(|t| CreatePartitionsTopic {
                                name: t.topic.clone(),
                                count: t.total_count,
                                assignments: None,
                                ..Default::default()
                            })
                            .collect(),
                        timeout_ms: deadline.broker_timeout_ms(),
                        validate_only,
                        ..Default::default()
                    };
                    let resp = self.controller().await?.send(&req).await?;
                    Ok(items(
                        resp.results
                            .into_iter()
                            .map(|t| {
                                let what = format!("create partitions of {}", t.name);
                                (t.name, check(t.error_code, t.error_message, || what))
                            })
                            .collect(),
                    ))
                })
            })
            .await)
    }
}
