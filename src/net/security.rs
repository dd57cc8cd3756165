//! Transport security of a broker connection: which of Kafka's four security protocols, the
//! rustls client configuration (built once, when a handle is created, so a bad file is a config
//! error at `_new`), and the SASL credentials. Secrets stay out of `Debug` and of every error,
//! and this module's copies of them (the password, PEM key text, a decrypted key) are wiped when
//! dropped. rustls wipes the key DER it is given; the signing key it parses from it lives, unwiped
//! by ring, as long as the `ClientConfig`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::{Error, Result};

/// Kafka's `security.protocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityProtocol {
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

impl SecurityProtocol {
    pub fn uses_tls(self) -> bool {
        matches!(self, SecurityProtocol::Ssl | SecurityProtocol::SaslSsl)
    }
    pub fn uses_sasl(self) -> bool {
        matches!(self, SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl)
    }
    pub fn name(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "plaintext",
            SecurityProtocol::Ssl => "ssl",
            SecurityProtocol::SaslPlaintext => "sasl_plaintext",
            SecurityProtocol::SaslSsl => "sasl_ssl",
        }
    }
}

/// The SASL mechanisms this library implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaslMechanism {
    Plain,
    ScramSha256,
    ScramSha512,
}

impl SaslMechanism {
    /// The name sent in SaslHandshake.
    pub fn name(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

/// A SASL username and password. `Debug` shows the user, never the password; the password is
/// wiped when dropped (every clone's too).
#[derive(Clone)]
pub struct SaslCredentials {
    pub mechanism: SaslMechanism,
    pub username: String,
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for SaslCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslCredentials")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &"(hidden)")
            .finish()
    }
}

/// Everything a connection needs to secure itself.
#[derive(Clone)]
pub struct Security {
    pub protocol: SecurityProtocol,
    /// Set exactly when the protocol uses TLS.
    pub tls: Option<Arc<ClientConfig>>,
    /// Set exactly when the protocol uses SASL.
    pub sasl: Option<SaslCredentials>,
    /// With TLS: whether the broker's certificate is verified (`enable.ssl.certificate.verification`).
    pub verify_certificates: bool,
    /// With TLS and verification: whether the certificate must name the host dialed
    /// (`ssl.endpoint.identification.algorithm=https`).
    pub check_hostname: bool,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            protocol: SecurityProtocol::Plaintext,
            tls: None,
            sasl: None,
            verify_certificates: true,
            check_hostname: true,
        }
    }
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("protocol", &self.protocol)
            .field("tls", &self.tls.is_some())
            .field("sasl", &self.sasl)
            .field("verify_certificates", &self.verify_certificates)
            .field("check_hostname", &self.check_hostname)
            .finish()
    }
}

const SSL_FILE_KEYS: &[&str] = &[
    "ssl.ca.location",
    "ssl.ca.pem",
    "ssl.certificate.location",
    "ssl.certificate.pem",
    "ssl.key.location",
    "ssl.key.pem",
    "ssl.key.password",
];

impl Security {
    /// Reads and checks the security keys as a whole: files are read and parsed now.
    pub fn from_config(cfg: &Config) -> Result<Security> {
        let protocol = match cfg.get("security.protocol")?.to_ascii_lowercase().as_str() {
            "plaintext" => SecurityProtocol::Plaintext,
            "ssl" => SecurityProtocol::Ssl,
            "sasl_plaintext" => SecurityProtocol::SaslPlaintext,
            "sasl_ssl" => SecurityProtocol::SaslSsl,
            other => return Err(Error::config(format!("security.protocol: unknown value \"{other}\""))),
        };
        let set = |k: &str| cfg.is_set(k) && !cfg.get(k).unwrap_or("").is_empty();
        if !protocol.uses_tls() {
            if let Some(k) = SSL_FILE_KEYS.iter().find(|k| set(k)) {
                return Err(Error::config(format!(
                    "{k} is set but security.protocol={} does not use TLS (use ssl or sasl_ssl)",
                    protocol.name()
                )));
            }
        }
        if !protocol.uses_sasl() {
            if let Some(k) = ["sasl.username", "sasl.password"].iter().find(|k| set(k)) {
                return Err(Error::config(format!(
                    "{k} is set but security.protocol={} does not use SASL (use sasl_plaintext or sasl_ssl)",
                    protocol.name()
                )));
            }
        }
        let tls = if protocol.uses_tls() { Some(Arc::new(tls_config(cfg)?)) } else { None };
        let sasl = if protocol.uses_sasl() { Some(sasl_credentials(cfg)?) } else { None };
        Ok(Security {
            protocol,
            tls,
            sasl,
            verify_certificates: cfg.get_bool("enable.ssl.certificate.verification")?,
            check_hostname: !cfg.get("ssl.endpoint.identification.algorithm")?.eq_ignore_ascii_case("none"),
        })
    }

    /// What is insecure about these settings, one sentence each, for a handle to log as a
    /// warning once when it is created: SASL PLAIN without TLS (the password crosses the network
    /// in clear text) and TLS without certificate verification (anyone on the path can pose as
    /// the broker). Empty for the defaults and every other combination.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.protocol == SecurityProtocol::SaslPlaintext
            && self.sasl.as_ref().is_some_and(|s| s.mechanism == SaslMechanism::Plain)
        {
            out.push(
                "INSECURE: security.protocol=sasl_plaintext with sasl.mechanisms=PLAIN sends the \
                 password in clear text to every broker; use sasl_ssl, or a SCRAM mechanism"
                    .to_string(),
            );
        }
        if self.protocol.uses_tls() && !self.verify_certificates {
            out.push(
                "INSECURE: enable.ssl.certificate.verification=false accepts any broker \
                 certificate, so anyone on the network path can pose as the broker (and read what \
                 is sent, SASL credentials included); set ssl.ca.location instead"
                    .to_string(),
            );
        }
        out
    }
}

fn sasl_credentials(cfg: &Config) -> Result<SaslCredentials> {
    let mechanism = match cfg.get("sasl.mechanisms")?.to_ascii_uppercase().as_str() {
        "PLAIN" => SaslMechanism::Plain,
        "SCRAM-SHA-256" => SaslMechanism::ScramSha256,
        "SCRAM-SHA-512" => SaslMechanism::ScramSha512,
        other => {
            return Err(Error::config(format!(
                "sasl.mechanisms: \"{other}\" is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)"
            )))
        }
    };
    let username = cfg.get("sasl.username")?.to_string();
    if username.is_empty() {
        return Err(Error::config(format!(
            "sasl.username is required for SASL mechanism {}",
            mechanism.name()
        )));
    }
    if !cfg.is_set("sasl.password") {
        return Err(Error::config(format!(
            "sasl.password is required for SASL mechanism {}",
            mechanism.name()
        )));
    }
    let password = Zeroizing::new(cfg.get("sasl.password")?.to_string());
    Ok(SaslCredentials { mechanism, username, password })
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

/// Reads a file named by a config key, saying which key when it cannot. The contents (maybe a
/// private key) are wiped when dropped.
fn read_file(key: &str, path: &str) -> Result<Zeroizing<Vec<u8>>> {
    std::fs::read(Path::new(path))
        .map(Zeroizing::new)
        .map_err(|e| Error::config(format!("{key}: cannot read \"{path}\": {e}")))
}

/// The PEM text of `<prefix>.location` (a file) or `<prefix>.pem` (inline), if either is set,
/// wiped when dropped.
fn pem_source(cfg: &Config, prefix: &str) -> Result<Option<(String, Zeroizing<Vec<u8>>)>> {
    let location = cfg.get(&format!("{prefix}.location"))?;
    let inline = cfg.get(&format!("{prefix}.pem"))?;
    match (location.is_empty(), inline.is_empty()) {
        (false, false) => Err(Error::config(format!("set {prefix}.location or {prefix}.pem, not both"))),
        (false, true) => {
            let key = format!("{prefix}.location");
            Ok(Some((key.clone(), read_file(&key, location)?)))
        }
        (true, false) => Ok(Some((format!("{prefix}.pem"), Zeroizing::new(inline.as_bytes().to_vec())))),
        (true, true) => Ok(None),
    }
}

fn parse_certs(key: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::config(format!("{key}: not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(Error::config(format!("{key}: no PEM certificate (\"BEGIN CERTIFICATE\") found")));
    }
    Ok(certs)
}

const ENCRYPTED_BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
const ENCRYPTED_END: &str = "-----END ENCRYPTED PRIVATE KEY-----";

/// A private key in PEM: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), or encrypted PKCS#8 (PBES2) with
/// `password`. Errors never contain the key or the password.
fn parse_key(key: &str, pem: &[u8], password: Option<&str>) -> Result<PrivateKeyDer<'static>> {
    // PEM is ASCII; text that is not UTF-8 is left to the PEM parser to refuse (no lossy copy of
    // the key is made).
    let text = std::str::from_utf8(pem).unwrap_or("");
    if let Some(start) = text.find(ENCRYPTED_BEGIN) {
        let end = text[start..]
            .find(ENCRYPTED_END)
            .map(|e| start + e + ENCRYPTED_END.len())
            .ok_or_else(|| Error::config(format!("{key}: unterminated encrypted private key")))?;
        let der = pkcs8::der::pem::decode_vec(&pem[start..end])
            .map(|(_, der)| Zeroizing::new(der))
            .map_err(|_| Error::config(format!("{key}: the encrypted private key is not valid PEM")))?;
        let password = password.ok_or_else(|| {
            Error::config(format!("{key}: the private key is encrypted; set ssl.key.password"))
        })?;
        let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
            .map_err(|_| Error::config(format!("{key}: the encrypted private key is not PKCS#8")))?;
        let doc = info.decrypt(password).map_err(|_| {
            Error::config(format!(
                "{key}: cannot decrypt the private key: wrong ssl.key.password, or an encryption \
                 scheme other than PBES2 (PBKDF2/scrypt with AES-CBC)"
            ))
        })?;
        // `doc` (a SecretDocument) wipes itself; the copy handed on goes to rustls, which wipes
        // it after parsing (its KeyProvider takes the DER into a Zeroizing).
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(doc.as_bytes().to_vec())));
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(Error::config(format!(
            "{key}: legacy OpenSSL-encrypted keys are not supported; convert the key with \
             `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
        )));
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        Error::config(format!("{key}: no usable PEM private key (PKCS#8, RSA or EC): {}", key_error(&e)))
    })
}

/// A PEM error without any of the input in it.
fn key_error(e: &rustls::pki_types::pem::Error) -> &'static str {
    use rustls::pki_types::pem::Error as E;
    match e {
        E::NoItemsFound => "none found",
        E::MissingSectionEnd { .. } => "a section has no END line",
        E::IllegalSectionStart { .. } => "malformed BEGIN line",
        E::Base64Decode(_) => "bad base64",
        _ => "unreadable",
    }
}

fn native_roots() -> Result<Arc<RootCertStore>> {
    static ROOTS: OnceLock<std::result::Result<Arc<RootCertStore>, String>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut store = RootCertStore::empty();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found.errors.first().map(|e| format!(": {e}")).unwrap_or_default();
                return Err(format!(
                    "no CA certificates found in the system's trust store{why}; set ssl.ca.location"
                ));
            }
            Ok(Arc::new(store))
        })
        .clone()
        .map_err(Error::config)
}

fn tls_config(cfg: &Config) -> Result<ClientConfig> {
    let provider = provider();
    let verify = cfg.get_bool("enable.ssl.certificate.verification")?;
    let check_hostname = !cfg.get("ssl.endpoint.identification.algorithm")?.eq_ignore_ascii_case("none");
    let roots = match pem_source(cfg, "ssl.ca")? {
        Some((key, pem)) => {
            let mut store = RootCertStore::empty();
            for cert in parse_certs(&key, &pem)? {
                store
                    .add(cert)
                    .map_err(|e| Error::config(format!("{key}: not a usable CA certificate: {e}")))?;
            }
            Some(Arc::new(store))
        }
        None if verify => Some(native_roots()?),
        None => None,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match (verify, roots) {
        (true, Some(roots)) => {
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| Error::config(format!("TLS certificate verifier: {e}")))?;
            if check_hostname {
                webpki
            } else {
                Arc::new(AnyNameVerifier(webpki))
            }
        }
        _ => Arc::new(InsecureNoVerification(provider.signature_verification_algorithms)),
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let cert = pem_source(cfg, "ssl.certificate")?;
    let key = pem_source(cfg, "ssl.key")?;
    let password = Some(cfg.get("ssl.key.password")?).filter(|p| !p.is_empty());
    match (cert, key) {
        (Some((ckey, cpem)), Some((kkey, kpem))) => {
            let chain = parse_certs(&ckey, &cpem)?;
            let key = parse_key(&kkey, &kpem, password)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                Error::config(format!("{ckey} and {kkey}: not a usable certificate and key pair: {e}"))
            })
        }
        (None, None) => Ok(builder.with_no_client_auth()),
        (Some((k, _)), None) => {
            Err(Error::config(format!("{k} is set but ssl.key.location/ssl.key.pem is not")))
        }
        (None, Some((k, _))) => {
            Err(Error::config(format!("{k} is set but ssl.certificate.location/ssl.certificate.pem is not")))
        }
    }
}

/// `ssl.endpoint.identification.algorithm=none`: the chain must still lead to a trusted CA, but
/// the certificate may name another host.
#[derive(Debug)]
struct AnyNameVerifier(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyNameVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `enable.ssl.certificate.verification=false`: any certificate from anyone is accepted (the
/// handshake signatures are still checked). For tests against throwaway brokers only.
#[derive(Debug)]
struct InsecureNoVerification(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for InsecureNoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;

    fn cfg(pairs: &[(&str, &str)]) -> Config {
        let mut c = Config::new();
        for (k, v) in pairs {
            c.set(k, v).unwrap();
        }
        c
    }

    #[test]
    fn protocol_names_are_case_insensitive_and_plaintext_needs_nothing() {
        let s = Security::from_config(&cfg(&[
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.username", "u"),
            ("sasl.password", "p"),
        ]))
        .unwrap();
        assert_eq!(s.protocol, SecurityProtocol::SaslPlaintext);
        assert!(s.tls.is_none());
        assert_eq!(s.sasl.as_ref().unwrap().mechanism, SaslMechanism::Plain);
        let s = Security::from_config(&Config::new()).unwrap();
        assert!(s.tls.is_none() && s.sasl.is_none());
    }

    #[test]
    fn incomplete_or_contradictory_settings_are_config_errors() {
        for (pairs, want) in [
            (
                vec![("security.protocol", "sasl_ssl"), ("enable.ssl.certificate.verification", "false")],
                "sasl.username is required",
            ),
            (
                vec![("security.protocol", "sasl_plaintext"), ("sasl.username", "u")],
                "sasl.password is required",
            ),
            (vec![("sasl.username", "u")], "does not use SASL"),
            (vec![("ssl.ca.location", "/x")], "does not use TLS"),
            (
                vec![("security.protocol", "ssl"), ("ssl.ca.location", "/nonexistent/ca.pem")],
                "ssl.ca.location: cannot read \"/nonexistent/ca.pem\"",
            ),
            (vec![("security.protocol", "ssl"), ("ssl.ca.pem", "hello")], "no PEM certificate"),
            (
                vec![
                    ("security.protocol", "ssl"),
                    ("enable.ssl.certificate.verification", "false"),
                    ("ssl.certificate.pem", "x"),
                ],
                "ssl.key.location/ssl.key.pem is not",
            ),
        ] {
            let e = Security::from_config(&cfg(&pairs)).unwrap_err();
            assert_eq!(e.code(), code::CONFIG, "{e}");
            assert!(e.message().contains(want), "{pairs:?}: {e}");
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let s = Security::from_config(&cfg(&[
            ("security.protocol", "sasl_plaintext"),
            ("sasl.mechanism", "scram-sha-512"),
            ("sasl.username", "alice"),
            ("sasl.password", "Sup3rSecretPw"),
        ]))
        .unwrap();
        let d = format!("{s:?}");
        assert!(d.contains("alice") && d.contains("ScramSha512") && !d.contains("Sup3rSecretPw"), "{d}");
    }

    /// A self-signed CA certificate (EC P-256, valid until 2126) made for these tests with
    /// `openssl req -x509`; its key was thrown away. Only parsed, never used to verify.
    const TEST_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBrTCCAVOgAwIBAgIUI2FPvYgu99b8lRwqRBpGNuoBkUgwCgYIKoZIzj0EAwIw
IzEhMB8GA1UEAwwYbGlia2Fma2FfcnMgdW5pdC10ZXN0IENBMCAXDTI2MTIwMjA0
MjU1NVoYDzIxMjYxMTA4MDQyNTU1WjAjMSEwHwYDVQQDDBhsaWJrYWZrYV9ycyB1
bml0LXRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARoEs8kEyzwfXtC
vnxxDfSAGFQRCUgeHDBXtjiKi4x4edUcc45Yl3lpiyNAJv/seu9m/ign/wHmWEv+
t6yXJ8+so2MwYTAdBgNVHQ4EFgQUYWMuKnmMu/e8QjaTKxYolB2ESDQwHwYDVR0j
BBgwFoAUYWMuKnmMu/e8QjaTKxYolB2ESDQwDwYDVR0TAQH/BAUwAwEB/zAOBgNV
HQ8BAf8EBAMCAgQwCgYIKoZIzj0EAwIDSAAwRQIhAKiWjoY/a3wyOskxJNiun+/Q
iD16TMxsMOpvP6RkHowaAiBJ/dOyDUawvuRyw7ZyqrIFs0BTcDn/4pEoVmJSm1Jp
9w==
-----END CERTIFICATE-----
";

    /// The verifier a TLS config ended up with, by its type name.
    fn verifier_of(s: &Security) -> &'static str {
        let d = format!("{:?}", s.tls.as_ref().expect("TLS"));
        let found: Vec<&str> = ["InsecureNoVerification", "AnyNameVerifier", "WebPkiServerVerifier"]
            .into_iter()
            .filter(|v| d.contains(v))
            .collect();
        // AnyNameVerifier wraps a WebPkiServerVerifier.
        found.first().copied().unwrap_or_else(|| panic!("no known verifier in {d}"))
    }

    /// TLS out of the box: the chain is verified against the CA, the certificate must name the
    /// host dialed, and SNI is sent; each is turned off only by its own key.
    #[test]
    fn tls_defaults_verify_the_chain_and_the_hostname_and_send_sni() {
        let defaults = Config::new();
        assert_eq!(defaults.get("enable.ssl.certificate.verification").unwrap(), "true");
        assert_eq!(defaults.get("ssl.endpoint.identification.algorithm").unwrap(), "https");
        assert!(Security::default().verify_certificates && Security::default().check_hostname);

        let s =
            Security::from_config(&cfg(&[("security.protocol", "ssl"), ("ssl.ca.pem", TEST_CA)])).unwrap();
        assert!(s.verify_certificates && s.check_hostname);
        let tls = s.tls.as_ref().unwrap();
        assert!(tls.enable_sni, "SNI is on");
        assert_eq!(verifier_of(&s), "WebPkiServerVerifier");
        assert!(s.warnings().is_empty(), "{:?}", s.warnings());

        let s = Security::from_config(&cfg(&[
            ("security.protocol", "ssl"),
            ("ssl.ca.pem", TEST_CA),
            ("ssl.endpoint.identification.algorithm", "none"),
        ]))
        .unwrap();
        assert!(s.verify_certificates && !s.check_hostname);
        assert_eq!(verifier_of(&s), "AnyNameVerifier");
        assert!(s.tls.as_ref().unwrap().enable_sni);

        let s = Security::from_config(&cfg(&[
            ("security.protocol", "ssl"),
            ("enable.ssl.certificate.verification", "false"),
        ]))
        .unwrap();
        assert!(!s.verify_certificates);
        assert_eq!(verifier_of(&s), "InsecureNoVerification");
    }

    #[test]
    fn plain_without_tls_and_unverified_certificates_are_warned_about() {
        let warnings = |pairs: &[(&str, &str)]| Security::from_config(&cfg(pairs)).unwrap().warnings();
        let sasl = |protocol: &'static str, mechanism: &'static str| {
            vec![
                ("security.protocol", protocol),
                ("sasl.mechanism", mechanism),
                ("sasl.username", "u"),
                ("sasl.password", "secret-pw"),
                ("ssl.ca.pem", TEST_CA),
            ]
        };
        let mut plain = sasl("sasl_plaintext", "plain");
        plain.pop();
        let w = warnings(&plain);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("sasl_plaintext") && w[0].contains("PLAIN") && !w[0].contains("secret-pw"),
            "{w:?}"
        );
        let mut scram = sasl("sasl_plaintext", "SCRAM-SHA-512");
        scram.pop();
        assert!(warnings(&scram).is_empty());
        assert!(warnings(&sasl("sasl_ssl", "PLAIN")).is_empty());
        assert!(warnings(&[]).is_empty());

        let mut unverified = sasl("sasl_ssl", "PLAIN");
        unverified.pop();
        unverified.push(("enable.ssl.certificate.verification", "false"));
        let w = warnings(&unverified);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("enable.ssl.certificate.verification=false"), "{w:?}");
        // Verification off without TLS means nothing, so says nothing.
        assert!(warnings(&[("enable.ssl.certificate.verification", "false")]).is_empty());
    }

    #[test]
    fn secrets_reach_the_credentials_exactly_as_set() {
        let s = Security::from_config(&cfg(&[
            ("security.protocol", "sasl_plaintext"),
            ("sasl.mechanism", "SCRAM-SHA-256"),
            ("sasl.username", "u"),
            ("sasl.password", "  spaced pw\t"),
        ]))
        .unwrap();
        assert_eq!(s.sasl.unwrap().password.as_str(), "  spaced pw\t");
    }

    #[test]
    fn key_errors_never_echo_the_key_or_password() {
        let junk = "-----BEGIN PRIVATE KEY-----\nnot base64 secretmaterial!!\n-----END PRIVATE KEY-----\n";
        let e = parse_key("ssl.key.pem", junk.as_bytes(), None).unwrap_err();
        assert!(!e.message().contains("secretmaterial"), "{e}");
        let enc = format!("{ENCRYPTED_BEGIN}\nAAAA\n{ENCRYPTED_END}\n");
        let e = parse_key("ssl.key.pem", enc.as_bytes(), Some("pw-secret")).unwrap_err();
        assert!(!e.message().contains("pw-secret"), "{e}");
        let e = parse_key("ssl.key.pem", enc.as_bytes(), None).unwrap_err();
        assert!(e.message().contains("encrypted") || e.message().contains("PEM"), "{e}");
    }
}
