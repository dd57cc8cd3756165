//! One broker connection: TCP (TLS and SASL slot in at `connection::establish`), requests
//! pipelined by correlation id, and ApiVersions negotiation.

mod connection;
mod versions;

pub use connection::{BrokerConnection, ConnectOptions, PendingResponse};
pub use versions::VersionTable;
