//! The writer: kafka-go's batching producer (`Writer`). Messages are routed to partitions by a
//! [`balancer::Balancer`], batched per partition and written with one produce per batch.

pub mod balancer;
