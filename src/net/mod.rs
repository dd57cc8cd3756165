//! One broker connection: TCP, TLS (rustls, ring provider) and SASL (PLAIN, SCRAM-SHA-256/512)
//! at `connection::establish`/`connect`, requests pipelined by correlation id, and ApiVersions
//! negotiation.

mod connection;
mod sasl;
mod scram;
pub mod security;
mod tls;
mod versions;

pub use connection::{BrokerConnection, ConnectOptions, PendingResponse};
pub use security::{SaslMechanism, Security, SecurityProtocol};
pub use versions::VersionTable;
