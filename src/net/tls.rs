//! The TLS handshake over a connected TCP stream, and rustls' failures turned into TLS errors
//! that name the reason (untrusted issuer, wrong host, the peer not speaking TLS, ...).

use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{AlertDescription, CertificateError, ClientConfig};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::error::{code, Error, Result};

/// The host part of "host:port", "[v6]:port" or a bare host.
pub(crate) fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => host,
        _ => addr,
    }
}

/// Runs the client handshake for `addr`: SNI and hostname verification use its host part.
pub(crate) async fn handshake(
    addr: &str,
    stream: TcpStream,
    config: Arc<ClientConfig>,
) -> Result<TlsStream<TcpStream>> {
    let host = host_of(addr);
    let name = ServerName::try_from(host.to_string()).map_err(|_| {
        Error::new(code::TLS, format!("TLS to {addr}: \"{host}\" is neither a DNS name nor an IP address"))
    })?;
    TlsConnector::from(config).connect(name, stream).await.map_err(|e| {
        Error::new(code::TLS, format!("TLS handshake with {addr} failed: {}", describe(&e, host)))
    })
}

/// A reason a person can act on, from the I/O error tokio-rustls reports.
pub(crate) fn describe(e: &std::io::Error, host: &str) -> String {
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return describe_rustls(tls, host);
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            "connection closed by peer (is the listener plaintext? set security.protocol=plaintext or \
             sasl_plaintext; or does it require a client certificate?)"
                .to_string()
        }
        std::io::ErrorKind::ConnectionReset => {
            "connection reset by peer (is the listener plaintext?)".to_string()
        }
        _ => e.to_string(),
    }
}

fn describe_rustls(e: &rustls::Error, host: &str) -> String {
    use rustls::Error as E;
    match e {
        E::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => "the broker's certificate is not signed by a trusted CA \
                (UnknownIssuer); set ssl.ca.location to the CA that signed it"
                .to_string(),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!(
                    "the broker's certificate is not valid for \"{host}\" (hostname mismatch, \
                     NotValidForName); dial a name the certificate holds"
                )
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the broker's certificate has expired".to_string()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the broker's certificate is not valid yet (check the clock)".to_string()
            }
            CertificateError::Revoked => "the broker's certificate is revoked".to_string(),
            CertificateError::BadSignature => "the broker's certificate has a bad signature".to_string(),
            other => format!("the broker's certificate was rejected: {other:?}"),
        },
        E::AlertReceived(alert) => {
            let why = match alert {
                AlertDescription::CertificateRequired => " (the listener requires a client certificate: set ssl.certificate.location and ssl.key.location)",
                AlertDescription::BadCertificate
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateUnknown => " (the broker rejected our client certificate)",
                AlertDescription::HandshakeFailure => " (no protocol version or cipher in common, or a client certificate is required)",
                _ => "",
            };
            format!("the broker sent TLS alert {alert:?}{why}")
        }
        E::InvalidMessage(_) | E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
            format!("the peer does not speak TLS ({e}); is the listener plaintext? set security.protocol=plaintext or sasl_plaintext")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_split_from_ports() {
        assert_eq!(host_of("127.0.0.1:9093"), "127.0.0.1");
        assert_eq!(host_of("broker.example:9093"), "broker.example");
        assert_eq!(host_of("[::1]:9093"), "::1");
        assert_eq!(host_of("broker"), "broker");
    }

    #[test]
    fn rustls_failures_name_the_reason() {
        let io = |e: rustls::Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let d = describe(&io(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)), "h");
        assert!(d.contains("UnknownIssuer") && d.contains("ssl.ca.location"), "{d}");
        let d = describe(&io(rustls::Error::InvalidCertificate(CertificateError::NotValidForName)), "h");
        assert!(d.contains("not valid for \"h\""), "{d}");
        let d = describe(&io(rustls::Error::AlertReceived(AlertDescription::CertificateRequired)), "h");
        assert!(d.contains("client certificate"), "{d}");
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "eof");
        assert!(describe(&eof, "h").contains("plaintext"));
    }
}
