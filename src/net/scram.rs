//! The client side of SCRAM (RFC 5802, RFC 7677) for SCRAM-SHA-256 and SCRAM-SHA-512, on ring's
//! HMAC, digest and PBKDF2 (the crypto rustls already links). No channel binding ("n,,"), no
//! extensions. Like Kafka's Java client, the password is used as its UTF-8 bytes (no SASLprep).

use std::num::NonZeroU32;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::{digest, hmac, pbkdf2};

/// The hash a SCRAM mechanism is built on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScramHash {
    Sha256,
    Sha512,
    /// Only for RFC 5802's SHA-1 test vector; never offered as a mechanism.
    #[cfg(test)]
    Sha1,
}

impl ScramHash {
    fn algorithms(self) -> (hmac::Algorithm, &'static digest::Algorithm, pbkdf2::Algorithm) {
        match self {
            ScramHash::Sha256 => (hmac::HMAC_SHA256, &digest::SHA256, pbkdf2::PBKDF2_HMAC_SHA256),
            ScramHash::Sha512 => (hmac::HMAC_SHA512, &digest::SHA512, pbkdf2::PBKDF2_HMAC_SHA512),
            #[cfg(test)]
            ScramHash::Sha1 => (
                hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                &digest::SHA1_FOR_LEGACY_USE_ONLY,
                pbkdf2::PBKDF2_HMAC_SHA1,
            ),
        }
    }
}

/// Kafka's brokers use 4096 iterations; more than this is treated as a broker trying to make us
/// burn CPU.
const MAX_ITERATIONS: u32 = 1 << 20;

/// Why an exchange failed. Messages name the step, never the password or derived keys.
pub type ScramError = String;

/// A SCRAM exchange in progress: after [`ScramClient::client_first`], feed the server's first
/// message to [`ScramClient::client_final`], then check its last message with
/// [`ScramClient::verify_server_final`].
pub struct ScramClient {
    hash: ScramHash,
    password: String,
    client_first_bare: String,
    client_nonce: String,
    server_signature: Option<Vec<u8>>,
}

impl ScramClient {
    /// Starts an exchange for `username` with a fresh random nonce.
    pub fn new(hash: ScramHash, username: &str, password: &str) -> Result<Self, ScramError> {
        let mut raw = [0u8; 24];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut raw)
            .map_err(|_| "SCRAM: no random bytes for the nonce".to_string())?;
        Ok(Self::with_nonce(hash, username, password, &B64.encode(raw)))
    }

    fn with_nonce(hash: ScramHash, username: &str, password: &str, nonce: &str) -> Self {
        let name = username.replace('=', "=3D").replace(',', "=2C");
        ScramClient {
            hash,
            password: password.to_string(),
            client_first_bare: format!("n={name},r={nonce}"),
            client_nonce: nonce.to_string(),
            server_signature: None,
        }
    }

    /// The client-first message ("n,,n=user,r=nonce").
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// Answers the server-first message with the client-final message (with the proof).
    pub fn client_final(&mut self, server_first: &[u8]) -> Result<String, ScramError> {
        let server_first = std::str::from_utf8(server_first)
            .map_err(|_| "SCRAM: the server's first message is not UTF-8".to_string())?;
        let (mut nonce, mut salt, mut iterations) = (None, None, None);
        for attr in server_first.split(',') {
            match attr.split_once('=') {
                Some(("r", v)) => nonce = Some(v),
                Some(("s", v)) => salt = Some(v),
                Some(("i", v)) => iterations = Some(v),
                Some(("m", _)) => return Err("SCRAM: the server requires an unsupported extension".into()),
                Some(("e", v)) => return Err(format!("SCRAM: the server refused: {v}")),
                _ => {}
            }
        }
        let nonce = nonce.ok_or("SCRAM: the server's first message has no nonce")?;
        if !nonce.starts_with(&self.client_nonce) || nonce.len() == self.client_nonce.len() {
            return Err("SCRAM: the server's nonce does not extend ours".into());
        }
        let salt = B64
            .decode(salt.ok_or("SCRAM: the server's first message has no salt")?)
            .map_err(|_| "SCRAM: the server's salt is not base64".to_string())?;
        let iterations = iterations
            .ok_or("SCRAM: the server's first message has no iteration count")?
            .parse::<u32>()
            .ok()
            .filter(|&n| n <= MAX_ITERATIONS)
            .and_then(NonZeroU32::new)
            .ok_or("SCRAM: the server's iteration count is invalid")?;

        let (hmac_alg, digest_alg, pbkdf2_alg) = self.hash.algorithms();
        let mut salted = vec![0u8; digest_alg.output_len()];
        pbkdf2::derive(pbkdf2_alg, iterations, &salt, self.password.as_bytes(), &mut salted);
        let salted_key = hmac::Key::new(hmac_alg, &salted);
        let client_key = hmac::sign(&salted_key, b"Client Key");
        let stored_key = digest::digest(digest_alg, client_key.as_ref());
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature =
            hmac::sign(&hmac::Key::new(hmac_alg, stored_key.as_ref()), auth_message.as_bytes());
        let proof: Vec<u8> =
            client_key.as_ref().iter().zip(client_signature.as_ref()).map(|(a, b)| a ^ b).collect();
        let server_key = hmac::sign(&salted_key, b"Server Key");
        self.server_signature = Some(
            hmac::sign(&hmac::Key::new(hmac_alg, server_key.as_ref()), auth_message.as_bytes())
                .as_ref()
                .to_vec(),
        );
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    /// Checks the server-final message: the server proves it knew our password's keys too.
    pub fn verify_server_final(&self, server_final: &[u8]) -> Result<(), ScramError> {
        let msg = std::str::from_utf8(server_final)
            .map_err(|_| "SCRAM: the server's final message is not UTF-8".to_string())?;
        if let Some(e) = msg.strip_prefix("e=") {
            return Err(format!("SCRAM: the server refused: {e}"));
        }
        let expected = self.server_signature.as_ref().ok_or("SCRAM: final message before first")?;
        let got = msg
            .split(',')
            .find_map(|a| a.strip_prefix("v="))
            .and_then(|v| B64.decode(v).ok())
            .ok_or("SCRAM: the server's final message has no signature")?;
        // Compared without an early exit, so timing does not reveal how much matched.
        let differs = got.len() != expected.len()
            || got.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0;
        if differs {
            return Err("SCRAM: the server's signature is wrong (the broker does not know this user's \
                        credentials; a man in the middle?)"
                .into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one exchange with a fixed nonce and checks both directions.
    fn exchange(hash: ScramHash, nonce: &str, server_first: &str, client_final: &str, server_final: &str) {
        let mut c = ScramClient::with_nonce(hash, "user", "pencil", nonce);
        assert_eq!(c.client_first(), format!("n,,n=user,r={nonce}"));
        assert_eq!(c.client_final(server_first.as_bytes()).unwrap(), client_final);
        c.verify_server_final(server_final.as_bytes()).unwrap();
        let mut bad = server_final.as_bytes().to_vec();
        let i = bad.len() - 3;
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        assert!(c.verify_server_final(&bad).is_err());
    }

    #[test]
    fn rfc5802_sha1_vector() {
        exchange(
            ScramHash::Sha1,
            "fyko+d2lbbFgONRv9qkxdawL",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
            "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
        );
    }

    #[test]
    fn rfc7677_sha256_vector() {
        exchange(
            ScramHash::Sha256,
            "rOprNGfwEbeRWgbNEkqO",
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        );
    }

    /// RFC 7677's inputs with SHA-512, computed by scripts/scram_vector.py (Python hashlib/hmac).
    #[test]
    fn sha512_vector_from_python_hashlib() {
        exchange(
            ScramHash::Sha512,
            "rOprNGfwEbeRWgbNEkqO",
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==",
            "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw==",
        );
    }

    #[test]
    fn usernames_are_escaped_and_bad_server_messages_rejected() {
        let c = ScramClient::with_nonce(ScramHash::Sha256, "a=b,c", "pw", "N");
        assert_eq!(c.client_first(), "n,,n=a=3Db=2Cc,r=N");
        let mut c = ScramClient::with_nonce(ScramHash::Sha256, "u", "pw", "abc");
        for bad in [
            "r=xyz123,s=AAAA,i=4096",    // nonce does not extend ours
            "r=abc,s=AAAA,i=4096",       // nonce not extended at all
            "r=abcd,s=!!,i=4096",        // salt not base64
            "r=abcd,s=AAAA,i=0",         // no iterations
            "r=abcd,s=AAAA,i=999999999", // absurd iterations
            "r=abcd,s=AAAA",             // missing count
            "m=ext,r=abcd,s=AAAA,i=1",   // mandatory extension
            "e=unknown-user",
        ] {
            let e = c.client_final(bad.as_bytes()).unwrap_err();
            assert!(!e.contains("pw"), "{e}");
        }
        c.client_final(b"r=abcd,s=AAAA,i=1").unwrap();
        assert!(c.verify_server_final(b"e=invalid-proof").unwrap_err().contains("invalid-proof"));
        assert!(c.verify_server_final(b"x=1").is_err());
    }
}
