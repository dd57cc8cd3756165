//! SASL authentication of a fresh connection (KIP-152): SaslHandshake v1 names the mechanism,
//! then SaslAuthenticate requests carry its messages: one for PLAIN, two for SCRAM (whose last
//! answer proves the broker knows the user's keys). No other request is sent before it ends.
//! The messages carrying the password (PLAIN) or the proof (SCRAM) are wiped when dropped, and
//! so is the request frame they are encoded into (see `connection::encode_frame`).

use bytes::Bytes;
use zeroize::Zeroizing;

use super::connection::BrokerConnection;
use super::scram::{ScramClient, ScramHash};
use super::security::{SaslCredentials, SaslMechanism};
use crate::error::{code, Error, Result};
use crate::protocol::messages::{SaslAuthenticateRequest, SaslHandshakeRequest};

/// Kafka's SASL_AUTHENTICATION_FAILED.
const SASL_AUTHENTICATION_FAILED: i32 = 58;
/// Kafka's UNSUPPORTED_SASL_MECHANISM.
const UNSUPPORTED_SASL_MECHANISM: i16 = 33;

pub(crate) async fn authenticate(conn: &BrokerConnection, creds: &SaslCredentials) -> Result<()> {
    let mechanism = creds.mechanism.name();
    let hs = conn
        .send_version(&SaslHandshakeRequest { mechanism: mechanism.to_string(), ..Default::default() }, 1)
        .await
        .map_err(|e| scrub(e, creds).context("SaslHandshake"))?;
    if hs.error_code == UNSUPPORTED_SASL_MECHANISM {
        return Err(Error::new(
            i32::from(hs.error_code),
            format!(
                "SASL mechanism {mechanism} is not enabled on this listener (it offers: {})",
                hs.mechanisms.join(", ")
            ),
        ));
    }
    if hs.error_code != 0 {
        return Err(Error::broker(hs.error_code, "SaslHandshake"));
    }
    let result = match creds.mechanism {
        SaslMechanism::Plain => {
            // Sized up front so that no reallocation leaves an unwiped copy behind.
            let mut token =
                Zeroizing::new(Vec::with_capacity(2 + creds.username.len() + creds.password.len()));
            token.push(0);
            token.extend_from_slice(creds.username.as_bytes());
            token.push(0);
            token.extend_from_slice(creds.password.as_bytes());
            step(conn, creds, token).await.map(drop)
        }
        SaslMechanism::ScramSha256 => scram(conn, creds, ScramHash::Sha256).await,
        SaslMechanism::ScramSha512 => scram(conn, creds, ScramHash::Sha512).await,
    };
    result.map_err(|e| scrub(e, creds))
}

async fn scram(conn: &BrokerConnection, creds: &SaslCredentials, hash: ScramHash) -> Result<()> {
    let local = |m: String| Error::new(code::AUTHENTICATION, format!("authentication failed: {m}"));
    let mut client = ScramClient::new(hash, &creds.username, &creds.password).map_err(local)?;
    let server_first = step(conn, creds, Zeroizing::new(client.client_first().into_bytes())).await?;
    let mut client_final = client.client_final(&server_first).map_err(local)?;
    // Moves the buffer (no copy) from one wiping owner to the other.
    let client_final = Zeroizing::new(std::mem::take(&mut *client_final).into_bytes());
    let server_final = step(conn, creds, client_final).await?;
    client.verify_server_final(&server_final).map_err(local)
}

/// One SaslAuthenticate round trip; the broker's answer bytes, or its refusal as an error. The
/// token is wiped when the request is dropped.
async fn step(conn: &BrokerConnection, creds: &SaslCredentials, token: Zeroizing<Vec<u8>>) -> Result<Bytes> {
    let resp = conn
        .send(&SaslAuthenticateRequest { auth_bytes: Bytes::from_owner(token), ..Default::default() })
        .await
        .map_err(|e| e.context("SaslAuthenticate"))?;
    if resp.error_code != 0 {
        let said = resp.error_message.unwrap_or_default();
        let code = i32::from(resp.error_code);
        let message = if code == SASL_AUTHENTICATION_FAILED {
            format!(
                "authentication failed: {said} (user \"{}\", mechanism {})",
                creds.username,
                creds.mechanism.name()
            )
        } else {
            let name = crate::error::name(code).unwrap_or("UNKNOWN");
            format!("SaslAuthenticate: broker error {code} {name}: {said}")
        };
        return Err(Error::new(code, message));
    }
    Ok(resp.auth_bytes)
}

/// Brokers do not echo passwords, but the message came from the network: make sure.
fn scrub(e: Error, creds: &SaslCredentials) -> Error {
    if !creds.password.is_empty() && e.message().contains(creds.password.as_str()) {
        Error::new(e.code(), e.message().replace(creds.password.as_str(), "(hidden)"))
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_the_password_from_messages() {
        let creds = SaslCredentials {
            mechanism: SaslMechanism::Plain,
            username: "u".into(),
            password: Zeroizing::new("pa55word".to_string()),
        };
        let e = scrub(Error::new(58, "authentication failed: bad pa55word for u"), &creds);
        assert_eq!(e.code(), 58);
        assert_eq!(e.message(), "authentication failed: bad (hidden) for u");
    }
}
