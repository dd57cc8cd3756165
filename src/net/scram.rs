//! The client side of SCRAM (RFC 5802, RFC 7677) for SCRAM-SHA-256 and SCRAM-SHA-512, on ring's
//! HMAC, digest and PBKDF2 (the crypto rustls already links). No channel binding ("n,,"), no
//! extensions. Like Kafka's Java client, the password is used as its UTF-8 bytes (no SASLprep)
//! and an iteration count below 4096 is refused. The password and what is derived from it (the
//! salted password, the client key, the proof) are wiped when dropped; ring's HMAC and PBKDF2
//! keep their own copies of key material in state this module cannot reach.

use std::num::NonZeroU32;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::{digest, hmac, pbkdf2};
use zeroize::Zeroizing;

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

/// The fewest iterations accepted, as Kafka's Java client (ScramMechanism's minIterations) and
/// RFC 7677 ask: a server (or a man in the middle) offering fewer wants a proof that is cheap to
/// attack offline.
pub const MIN_ITERATIONS: u32 = 4096;

/// Why an exchange failed. Messages name the step, never the password or derived keys.
pub type ScramError = String;

/// A SCRAM exchange in progress: after [`ScramClient::client_first`], feed the server's first
/// message to [`ScramClient::client_final`], then check its last message with
/// [`ScramClient::verify_server_final`].
pub struct ScramClient {
    hash: ScramHash,
    password: Zeroizing<String>,
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
            password: Zeroizing::new(password.to_string()),
            client_first_bare: format!("n={name},r={nonce}"),
            client_nonce: nonce.to_string(),
            server_signature: None,
        }
    }

    /// The client-first message ("n,,n=user,r=nonce").
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// Answers the server-first message with the client-final message (with the proof), which is
    /// wiped when dropped.
    pub fn client_final(&mut self, server_first: &[u8]) -> Result<Zeroizing<String>, ScramError> {
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
        let iterations = iterations.ok_or("SCRAM: the server's first message has no iteration count")?;
        let iterations = iterations
            .parse::<u32>()
            .map_err(|_| format!("SCRAM: the server's iteration count \"{iterations}\" is not a number"))?;
        if iterations < MIN_ITERATIONS {
            return Err(format!(
                "SCRAM: the server asked for {iterations} iterations, below the minimum of \
                 {MIN_ITERATIONS} (a weak hash of the password; the broker's SCRAM credential must \
                 be created with at least {MIN_ITERATIONS} iterations)"
            ));
        }
        if iterations > MAX_ITERATIONS {
            return Err(format!(
                "SCRAM: the server asked for {iterations} iterations, above the maximum of {MAX_ITERATIONS}"
            ));
        }
        let iterations = NonZeroU32::new(iterations).ok_or("SCRAM: zero iterations")?;

        let (hmac_alg, digest_alg, pbkdf2_alg) = self.hash.algorithms();
        let mut salted = Zeroizing::new(vec![0u8; digest_alg.output_len()]);
        pbkdf2::derive(pbkdf2_alg, iterations, &salt, self.password.as_bytes(), &mut salted);
        let salted_key = hmac::Key::new(hmac_alg, &salted);
        // ring's Tag is a plain value that cannot be wiped; the copy kept here is.
        let client_key = Zeroizing::new(hmac::sign(&salted_key, b"Client Key").as_ref().to_vec());
        let stored_key = digest::digest(digest_alg, &client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature =
            hmac::sign(&hmac::Key::new(hmac_alg, stored_key.as_ref()), auth_message.as_bytes());
        let proof: Zeroizing<Vec<u8>> =
            Zeroizing::new(client_key.iter().zip(client_signature.as_ref()).map(|(a, b)| a ^ b).collect());
        let server_key = hmac::sign(&salted_key, b"Server Key");
        self.server_signature = Some(
            hmac::sign(&hmac::Key::new(hmac_alg, server_key.as_ref()), auth_message.as_bytes())
                .as_ref()
                .to_vec(),
        );
        let encoded = Zeroizing::new(B64.encode(&*proof));
        // Sized up front so that no reallocation leaves an unwiped copy behind.
        let mut out = Zeroizing::new(String::with_capacity(without_proof.len() + 3 + encoded.len()));
        out.push_str(&without_proof);
        out.push_str(",p=");
        out.push_str(&encoded);
        Ok(out)
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
        assert_eq!(c.client_final(server_first.as_bytes()).unwrap().as_str(), client_final);
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
            "r=abcd,s=AAAA,i=1",         // far too few iterations
            "r=abcd,s=AAAA,i=x",         // not a number
            "r=abcd,s=AAAA,i=999999999", // absurd iterations
            "r=abcd,s=AAAA",             // missing count
            "m=ext,r=abcd,s=AAAA,i=1",   // mandatory extension
            "e=unknown-user",
        ] {
            let e = c.client_final(bad.as_bytes()).unwrap_err();
            assert!(!e.contains("pw"), "{e}");
        }
        c.client_final(b"r=abcd,s=AAAA,i=4096").unwrap();
        assert!(c.verify_server_final(b"e=invalid-proof").unwrap_err().contains("invalid-proof"));
        assert!(c.verify_server_final(b"x=1").is_err());
    }

    /// Kafka's Java client refuses fewer than 4096 iterations; so do we, saying how many were
    /// asked and what the minimum is. 4096 itself (Kafka's default) is accepted.
    #[test]
    fn iteration_counts_below_4096_are_refused_naming_the_count_and_the_minimum() {
        for hash in [ScramHash::Sha256, ScramHash::Sha512] {
            for low in [1u32, 2, 1000, 4095] {
                let mut c = ScramClient::with_nonce(hash, "user", "pencil", "nonce");
                let e = c
                    .client_final(format!("r=nonce-server,s=QSXCR+Q6sek8bf92,i={low}").as_bytes())
                    .unwrap_err();
                assert!(e.contains(&format!("asked for {low} iterations")), "{e}");
                assert!(e.contains("minimum of 4096"), "{e}");
                assert!(c.server_signature.is_none(), "nothing derived from a refused message");
            }
            let mut c = ScramClient::with_nonce(hash, "user", "pencil", "nonce");
            let fin = c.client_final(b"r=nonce-server,s=QSXCR+Q6sek8bf92,i=4096").unwrap();
            assert!(fin.starts_with("c=biws,r=nonce-server,p="), "{}", fin.as_str());
        }
        assert_eq!(MIN_ITERATIONS, 4096);
    }
}
