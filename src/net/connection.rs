//! A connection to one broker. A reader task routes response frames to the waiting requests by
//! correlation id; a writer task owns the socket's write half and writes whole frames only, so a
//! caller that gives up (timeout, cancel, drop) never leaves half a request on the wire. When the
//! socket fails, every request in flight fails with the same transport error.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::security::Security;
use super::versions::VersionTable;
use super::{sasl, tls};
use crate::error::{code, Error, Result};
use crate::protocol::header::{encode_request_header, skip_response_header_rest};
use crate::protocol::messages::{ApiVersionsRequest, ApiVersionsResponse, SaslAuthenticateRequest};
use crate::protocol::{Decodable, Decoder, Request};

/// How to reach and talk to a broker.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Sent in every request header; shows up in broker logs and quotas.
    pub client_id: Option<String>,
    pub connect_timeout: Duration,
    /// How long a request may wait for its response before it fails with TIMED_OUT.
    pub request_timeout: Duration,
    /// The largest response frame accepted; a broker announcing more is treated as broken.
    pub max_response_bytes: usize,
    /// TLS and SASL; plaintext by default.
    pub security: Security,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            client_id: Some("libkafka_rs".to_string()),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 256 << 20,
            security: Security::default(),
        }
    }
}

/// Anything the connection can run over: a TCP stream or a TLS stream over one.
pub trait Transport: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Transport for T {}

type Waiter = oneshot::Sender<Result<Bytes>>;

/// A frame for the writer task, and who wants to know when it was written (acks=0 produce).
type Outgoing = (Bytes, Option<oneshot::Sender<()>>);

/// State shared by the connection handle and its two I/O tasks.
#[derive(Default)]
struct Shared {
    pending: Mutex<HashMap<i32, Waiter>>,
    /// Set once, when the connection fails or closes; later requests fail with it at once.
    failure: Mutex<Option<Error>>,
    /// The reader and writer tasks, stopped (dropping the socket) when the connection is given up.
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
}

impl Shared {
    fn fail_all(&self, err: Error) {
        {
            let mut f = self.failure.lock().unwrap_or_else(|p| p.into_inner());
            if f.is_none() {
                *f = Some(err.clone());
            }
        }
        let waiters: Vec<Waiter> = {
            let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            p.drain().map(|(_, w)| w).collect()
        };
        for w in waiters {
            let _ = w.send(Err(err.clone()));
        }
    }
    /// Gives the connection up: requests in flight fail with `err` and the socket is closed.
    fn shut(&self, err: Error) {
        self.fail_all(err);
        for t in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            t.abort();
        }
    }

    fn failure(&self) -> Option<Error> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Why a request could not be sent or answered: the recorded failure, else "closed".
    fn closed_error(&self) -> Error {
        self.failure().unwrap_or_else(|| Error::closed("connection closed"))
    }
}

/// A request whose frame is queued for writing; await [`PendingResponse::response`] for the
/// answer. Dropping it gives up: a late response is then discarded.
pub struct PendingResponse<R: Request> {
    rx: oneshot::Receiver<Result<Bytes>>,
    guard: PendingGuard,
    version: i16,
    timeout: Duration,
    addr: String,
    _request: std::marker::PhantomData<fn() -> R>,
}

impl<R: Request> PendingResponse<R> {
    /// Waits for the response (up to the connection's request timeout) and decodes it.
    pub async fn response(self) -> Result<R::Response> {
        let version = self.version;
        decode_response::<R>(self.body().await?, version)
    }

    /// Waits for the response body, undecoded (up to the connection's request timeout).
    async fn body(self) -> Result<Bytes> {
        let shared = self.guard.shared.clone();
        match tokio::time::timeout(self.timeout, self.rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(shared.closed_error()),
            Err(_) => {
                let err = Error::timed_out(format!(
                    "{} request to {} got no response within {} ms",
                    R::NAME,
                    self.addr,
                    self.timeout.as_millis()
                ));
                // A broker answers in order: after one request went unanswered, nothing later
                // on this connection would be answered either. Close it, as librdkafka and the
                // Java client do, so the next request goes over a new one.
                shared.shut(Error::transport(format!(
                    "connection to {} closed: {}",
                    self.addr,
                    err.message()
                )));
                Err(err)
            }
        }
    }
}

/// Removes a request's waiter if its caller stops waiting, so a late response is dropped.
struct PendingGuard {
    shared: Arc<Shared>,
    correlation_id: i32,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        self.shared.pending.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.correlation_id);
    }
}

/// One open connection to one broker. Cheap to share behind an `Arc`; every method takes `&self`
/// and any number of requests may be in flight at once.
pub struct BrokerConnection {
    addr: String,
    peer: Option<SocketAddr>,
    client_id: Option<String>,
    request_timeout: Duration,
    versions: VersionTable,
    next_correlation_id: AtomicI32,
    frames: mpsc::Sender<Outgoing>,
    shared: Arc<Shared>,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl std::fmt::Debug for BrokerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerConnection").field("addr", &self.addr).finish()
    }
}

impl BrokerConnection {
    /// Connects to `addr` ("host:port"): TCP, TLS when configured, ApiVersions negotiation,
    /// then SASL authentication when configured. The whole setup is bounded by
    /// `connect_timeout` (as librdkafka's socket.connection.setup.timeout.ms), so a listener
    /// that speaks another protocol fails the connect instead of hanging it. Must run on the
    /// shared runtime.
    pub async fn connect(addr: &str, opts: &ConnectOptions) -> Result<Arc<BrokerConnection>> {
        match tokio::time::timeout(opts.connect_timeout, Self::setup(addr, opts)).await {
            Ok(result) => result,
            Err(_) => {
                let mut steps = "TCP connect".to_string();
                if opts.security.protocol.uses_tls() {
                    steps.push_str(", TLS handshake");
                }
                steps.push_str(", ApiVersions");
                if opts.security.protocol.uses_sasl() {
                    steps.push_str(", SASL authentication");
                }
                Err(Error::timed_out(format!(
                    "connect to {addr}: connection setup ({steps}) not done within {} ms{}",
                    opts.connect_timeout.as_millis(),
                    wrong_protocol_hint(&opts.security)
                )))
            }
        }
    }

    async fn setup(addr: &str, opts: &ConnectOptions) -> Result<Arc<BrokerConnection>> {
        let stream = connect_tcp(addr).await?;
        let peer = stream.peer_addr().ok();
        let transport = establish(addr, stream, &opts.security).await?;
        let mut conn = BrokerConnection::start(addr, peer, transport, opts);
        conn.versions = conn.negotiate_versions().await.map_err(|e| {
            // A server that showed what it speaks (HTTP, SSH) needs no guess about TLS or SASL.
            let e = if matches!(e.code(), code::TRANSPORT | code::MALFORMED)
                && !e.message().contains(NOT_KAFKA)
            {
                e.context(wrong_protocol_hint(&opts.security).trim_start_matches(' '))
            } else {
                e
            };
            e.context(format!("broker {addr}"))
        })?;
        if let Some(creds) = &opts.security.sasl {
            sasl::authenticate(&conn, creds).await.map_err(|e| e.context(format!("broker {addr}")))?;
        }
        Ok(Arc::new(conn))
    }

    fn start(
        addr: &str,
        peer: Option<SocketAddr>,
        transport: Box<dyn TransportBox>,
        opts: &ConnectOptions,
    ) -> Self {
        let (read_half, write_half) = tokio::io::split(transport);
        let shared = Arc::new(Shared::default());
        let (frames_tx, frames_rx) = mpsc::channel::<Outgoing>(256);
        let reader = tokio::spawn(read_loop(
            read_half,
            shared.clone(),
            opts.max_response_bytes,
            addr.to_string(),
            !opts.security.protocol.uses_sasl(),
        ));
        let writer = tokio::spawn(write_loop(write_half, frames_rx, shared.clone(), addr.to_string()));
        shared
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend([reader.abort_handle(), writer.abort_handle()]);
        BrokerConnection {
            addr: addr.to_string(),
            peer,
            client_id: opts.client_id.clone(),
            request_timeout: opts.request_timeout,
            versions: VersionTable::default(),
            next_correlation_id: AtomicI32::new(1),
            frames: frames_tx,
            shared,
            reader,
            writer,
        }
    }

    /// The address this connection was dialed with.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The resolved remote address.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The API versions the broker advertised.
    pub fn versions(&self) -> &VersionTable {
        &self.versions
    }

    /// The error that closed this connection, if it is closed.
    pub fn failure(&self) -> Option<Error> {
        self.shared.failure()
    }

    pub fn is_closed(&self) -> bool {
        self.shared.failure().is_some()
    }

    /// Sends `req` at the highest version both sides support and waits for its response.
    pub async fn send<R: Request>(&self, req: &R) -> Result<R::Response> {
        let version = self.versions.pick::<R>()?;
        self.send_version(req, version).await
    }

    /// Sends `req` at an explicit version and waits for its response.
    pub async fn send_version<R: Request>(&self, req: &R, version: i16) -> Result<R::Response> {
        self.enqueue(req, version).await?.response().await
    }

    /// Queues `req` for writing and returns once it is queued, without waiting for the answer.
    /// Requests queued one after another from one task reach the broker in that order (which
    /// idempotent produce relies on); the returned handle waits for the response.
    pub async fn enqueue<R: Request>(&self, req: &R, version: i16) -> Result<PendingResponse<R>> {
        let (correlation_id, frame) = self.frame(req, version)?;
        let (tx, rx) = oneshot::channel();
        self.shared.pending.lock().unwrap_or_else(|p| p.into_inner()).insert(correlation_id, tx);
        let guard = PendingGuard { shared: self.shared.clone(), correlation_id };
        // The failure may have been recorded between the first check and the insert.
        if let Some(e) = self.shared.failure() {
            return Err(e);
        }
        self.queue(frame).await?;
        Ok(PendingResponse {
            rx,
            guard,
            version,
            timeout: self.request_timeout,
            addr: self.addr.clone(),
            _request: std::marker::PhantomData,
        })
    }

    /// Sends a request the broker does not answer (Produce with acks=0). Returns once the frame
    /// was written to the socket.
    pub async fn send_no_response<R: Request>(&self, req: &R, version: i16) -> Result<()> {
        let (_, frame) = self.frame(req, version)?;
        let (tx, rx) = oneshot::channel();
        self.frames.send((frame, Some(tx))).await.map_err(|_| self.shared.closed_error())?;
        rx.await.map_err(|_| self.shared.closed_error())
    }

    /// Closes the connection: requests in flight fail with CLOSED.
    pub fn close(&self) {
        self.shared.fail_all(Error::closed(format!("connection to {} closed", self.addr)));
        self.reader.abort();
        self.writer.abort();
    }

    fn frame<R: Request>(&self, req: &R, version: i16) -> Result<(i32, Bytes)> {
        if let Some(e) = self.shared.failure() {
            return Err(e);
        }
        if !(R::MIN_VERSION..=R::MAX_VERSION).contains(&version) {
            return Err(Error::new(
                code::UNSUPPORTED_VERSION,
                format!("{} v{version} is not implemented", R::NAME),
            ));
        }
        let correlation_id = self.next_correlation_id.fetch_add(1, Ordering::Relaxed) & i32::MAX;
        Ok((correlation_id, encode_frame(req, version, correlation_id, self.client_id.as_deref())?))
    }

    async fn queue(&self, frame: Bytes) -> Result<()> {
        self.frames.send((frame, None)).await.map_err(|_| self.shared.closed_error())
    }

    /// ApiVersions at our highest version; a broker that does not know it answers with error 35
    /// and a v0 body listing what it does support, and we retry at its highest.
    async fn negotiate_versions(&self) -> Result<VersionTable> {
        let req = ApiVersionsRequest {
            // Kafka only accepts [a-zA-Z0-9.-] here (KIP-511), so no underscore.
            client_software_name: "libkafka-rs".to_string(),
            client_software_version: env!("CARGO_PKG_VERSION").to_string(),
            ..Default::default()
        };
        let mut version = ApiVersionsRequest::MAX_VERSION;
        for _ in 0..2 {
            // Undecoded: a broker that does not know our version answers in v0.
            let body = self.enqueue(&req, version).await?.body().await?;
            let resp = match decode_response::<ApiVersionsRequest>(body.clone(), version) {
                Ok(r) if r.error_code != 35 => r,
                _ => decode_response::<ApiVersionsRequest>(body, 0)?,
            };
            if resp.error_code == 35 {
                let broker_max = resp
                    .api_keys
                    .iter()
                    .find(|k| k.api_key == ApiVersionsRequest::API_KEY)
                    .map_or(0, |k| k.max_version);
                version = broker_max.min(ApiVersionsRequest::MAX_VERSION);
                continue;
            }
            if resp.error_code != 0 {
                return Err(Error::broker(resp.error_code, "ApiVersions"));
            }
            return Ok(version_table(&resp));
        }
        Err(Error::new(code::UNSUPPORTED_VERSION, "ApiVersions negotiation did not converge"))
    }
}

impl Drop for BrokerConnection {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
    }
}

fn version_table(resp: &ApiVersionsResponse) -> VersionTable {
    VersionTable::new(resp.api_keys.iter().map(|k| (k.api_key, k.min_version, k.max_version)))
}

/// Length prefix + header + body, as one buffer. A SaslAuthenticate frame (it carries a PLAIN
/// password or a SCRAM proof) is wiped when the writer task drops it; it gets room enough up
/// front that encoding does not reallocate (and leave an unwiped copy) for tokens below 4 KiB.
fn encode_frame<R: Request>(
    req: &R,
    version: i16,
    correlation_id: i32,
    client_id: Option<&str>,
) -> Result<Bytes> {
    let sensitive = R::API_KEY == SaslAuthenticateRequest::API_KEY;
    let mut buf = BytesMut::with_capacity(if sensitive { 4096 } else { 256 });
    buf.put_i32(0);
    encode_request_header(
        &mut buf,
        R::request_header_version(version),
        R::API_KEY,
        version,
        correlation_id,
        client_id,
    )?;
    req.encode(&mut buf, version)?;
    let len = i32::try_from(buf.len() - 4).map_err(|_| {
        Error::invalid_arg(format!("{} request of {} bytes is too large", R::NAME, buf.len()))
    })?;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    if sensitive {
        // A fresh BytesMut converts to its Vec without copying.
        return Ok(Bytes::from_owner(zeroize::Zeroizing::new(Vec::<u8>::from(buf))));
    }
    Ok(buf.freeze())
}

/// Decodes a response body (correlation id already removed) at `version`.
fn decode_response<R: Request>(body: Bytes, version: i16) -> Result<R::Response> {
    let mut d = Decoder::new(body);
    skip_response_header_rest(&mut d, R::response_header_version(version))?;
    R::Response::decode(&mut d, version)
        .map_err(|e| Error::from(e).context(format!("decode {} v{version} response", R::NAME)))
}

async fn connect_tcp(addr: &str) -> Result<TcpStream> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| Error::transport(format!("resolve {addr}: {e}")))?
        .collect();
    let mut last = Error::transport(format!("resolve {addr}: no addresses"));
    for a in addrs {
        match TcpStream::connect(a).await {
            Ok(s) => {
                s.set_nodelay(true).map_err(|e| Error::transport(format!("connect to {addr}: {e}")))?;
                return Ok(s);
            }
            Err(e) => last = Error::transport(format!("connect to {addr} ({a}): {e}")),
        }
    }
    Err(last)
}

trait TransportBox: Transport {}
impl<T: Transport> TransportBox for T {}

/// Turns a TCP stream into the transport requests run over: a TLS stream when the protocol
/// uses TLS, else the stream itself. (SASL runs as Kafka requests once the connection is up.)
async fn establish(addr: &str, stream: TcpStream, security: &Security) -> Result<Box<dyn TransportBox>> {
    match &security.tls {
        Some(config) => Ok(Box::new(tls::handshake(addr, stream, config.clone()).await?)),
        None => Ok(Box::new(stream)),
    }
}

/// What to tell a user whose first exchange with a broker failed in a way that suggests the
/// listener speaks another security protocol.
fn wrong_protocol_hint(security: &Security) -> &'static str {
    match (security.protocol.uses_tls(), security.protocol.uses_sasl()) {
        (false, false) => {
            " (is this a TLS or SASL listener? set security.protocol to ssl, sasl_plaintext or sasl_ssl)"
        }
        (false, true) => " (is this a TLS listener? set security.protocol=sasl_ssl)",
        (true, _) => " (is the listener plaintext, or does it need a client certificate?)",
    }
}

/// `sasl_hint`: this connection does not use SASL, so a broker that closes it right after
/// ApiVersions is probably a SASL listener refusing an unauthenticated request.
async fn read_loop(
    mut rd: tokio::io::ReadHalf<Box<dyn TransportBox>>,
    shared: Arc<Shared>,
    max_frame: usize,
    addr: String,
    sasl_hint: bool,
) {
    let mut frames = 0u64;
    let err = loop {
        match read_frame(&mut rd, max_frame).await {
            Ok(mut frame) => {
                frames += 1;
                if frame.len() < 4 {
                    break Error::malformed(format!("broker {addr} sent a {}-byte frame", frame.len()));
                }
                let correlation_id = i32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
                let body = frame.split_off(4);
                let waiter = shared.pending.lock().unwrap_or_else(|p| p.into_inner()).remove(&correlation_id);
                // No waiter: the caller gave up (timeout or cancel); the response is dropped.
                if let Some(w) = waiter {
                    let _ = w.send(Ok(body));
                }
            }
            Err(e) if sasl_hint && frames == 1 && e.code() == code::TRANSPORT => {
                break e.context(format!("read from broker {addr}")).context(
                    "closed after ApiVersions (if this is a SASL listener, set security.protocol to \
                     sasl_plaintext or sasl_ssl and the sasl.* keys)",
                )
            }
            Err(e) => break e.context(format!("read from broker {addr}")),
        }
    };
    shared.fail_all(err);
}

/// Reads one size-prefixed frame, growing the buffer only as bytes arrive so a lying length
/// cannot make us allocate what the broker never sends.
async fn read_frame(rd: &mut (impl AsyncRead + Unpin), max_frame: usize) -> Result<Bytes> {
    let len = rd.read_i32().await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::transport("connection closed by broker")
        } else {
            io_error(e)
        }
    })?;
    if looks_like_tls_record(len) {
        return Err(Error::new(
            code::TLS,
            "the broker answered with a TLS record: this is a TLS listener, set security.protocol=ssl (or sasl_ssl)",
        ));
    }
    if let Some(seen) = text_instead_of_frame(len, max_frame) {
        let line = first_line(rd, len.to_be_bytes()).await;
        return Err(Error::malformed(format!("the server answered with {seen} ({line:?}): {NOT_KAFKA}")));
    }
    if len < 0 || len as usize > max_frame {
        return Err(Error::malformed(format!("response frame of {len} bytes (limit {max_frame})")));
    }
    let len = len as usize;
    let mut buf = BytesMut::with_capacity(len.min(64 << 10));
    while buf.len() < len {
        if buf.capacity() == buf.len() {
            buf.reserve((len - buf.len()).min(buf.len().max(64 << 10)));
        }
        let want = len - buf.len();
        let n = (&mut *rd).take(want as u64).read_buf(&mut buf).await.map_err(io_error)?;
        if n == 0 {
            return Err(Error::transport(format!(
                "connection closed by broker in the middle of a {len}-byte frame"
            )));
        }
    }
    Ok(buf.freeze())
}

/// An I/O error of the transport; a TLS failure after the handshake (a broker that refuses our
/// client certificate says so with an alert on the first read) is a TLS error naming it.
fn io_error(e: std::io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return Error::new(code::TLS, tls::describe(&e, ""));
    }
    Error::from(e)
}

/// Ends the message of an error raised because the server speaks another protocol.
const NOT_KAFKA: &str = "not a Kafka listener";

/// What a text protocol's first four bytes read as a frame length look like: "HTTP" (an HTTP
/// server answering our request) and "SSH-" (an SSH banner) at any limit, other printable text
/// when the length is over the limit anyway. A Kafka frame that long (0x20202020 bytes = 514 MiB
/// at least) does not happen.
fn text_instead_of_frame(len: i32, max_frame: usize) -> Option<&'static str> {
    let b = len.to_be_bytes();
    match &b {
        b"HTTP" => Some("HTTP"),
        b"SSH-" => Some("SSH"),
        _ if b.iter().all(|c| c.is_ascii_graphic() || *c == b' ')
            && usize::try_from(len).map_or(true, |l| l > max_frame) =>
        {
            Some("text")
        }
        _ => None,
    }
}

/// The rest of the first line a text-speaking server sent after `start` (at most 80 bytes,
/// waiting at most 500 ms for them), with control characters blanked.
async fn first_line(rd: &mut (impl AsyncRead + Unpin), start: [u8; 4]) -> String {
    const MAX: usize = 80;
    let mut line = start.to_vec();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
    let mut chunk = [0u8; MAX];
    while line.len() < MAX && !line.contains(&b'\n') {
        let want = MAX - line.len();
        match tokio::time::timeout_at(deadline, rd.read(&mut chunk[..want])).await {
            Ok(Ok(n)) if n > 0 => line.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    let end = line.iter().position(|&b| b == b'\r' || b == b'\n').unwrap_or(line.len());
    String::from_utf8_lossy(&line[..end]).chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The first four bytes of a TLS record (alert 0x15 or handshake 0x16, version 3.x) read as a
/// Kafka frame length are 350+ MB, which no plaintext response has.
fn looks_like_tls_record(len: i32) -> bool {
    let b = len.to_be_bytes();
    matches!(b[0], 0x15 | 0x16) && b[1] == 0x03 && b[2] <= 0x04
}

async fn write_loop(
    wr: tokio::io::WriteHalf<Box<dyn TransportBox>>,
    mut frames: mpsc::Receiver<Outgoing>,
    shared: Arc<Shared>,
    addr: String,
) {
    let mut wr = BufWriter::with_capacity(64 << 10, wr);
    let mut written: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some((frame, notify)) = frames.recv().await {
        written.extend(notify);
        let mut result = wr.write_all(&frame).await;
        // Coalesce whatever else is already queued into the same flush.
        while result.is_ok() {
            match frames.try_recv() {
                Ok((next, notify)) => {
                    written.extend(notify);
                    result = wr.write_all(&next).await;
                }
                Err(_) => break,
            }
        }
        if result.is_ok() {
            result = wr.flush().await;
        }
        if let Err(e) = result {
            shared.fail_all(io_error(e).context(format!("write to broker {addr}")));
            return;
        }
        for n in written.drain(..) {
            let _ = n.send(());
        }
    }
    let _ = wr.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lying_frame_length_is_rejected_without_allocating_it() {
        let data: &[u8] = &[0x7f, 0xff, 0xff, 0xff, 1, 2, 3];
        let e = read_frame(&mut &data[..], 1 << 20).await.unwrap_err();
        assert_eq!(e.code(), code::MALFORMED);
        let e = read_frame(&mut &data[..], usize::MAX).await.unwrap_err();
        assert_eq!(e.code(), code::TRANSPORT, "{e}");
        let neg: &[u8] = &[0xff, 0xff, 0xff, 0xfe];
        assert_eq!(read_frame(&mut &neg[..], 1 << 20).await.unwrap_err().code(), code::MALFORMED);
    }

    #[tokio::test]
    async fn a_tls_alert_instead_of_a_frame_says_tls() {
        let alert: &[u8] = &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a];
        let e = read_frame(&mut &alert[..], usize::MAX).await.unwrap_err();
        assert_eq!(e.code(), code::TLS);
        assert!(e.message().contains("security.protocol=ssl"), "{e}");
    }

    #[tokio::test]
    async fn text_instead_of_a_frame_names_the_protocol() {
        let http: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        let e = read_frame(&mut &http[..], 1 << 30).await.unwrap_err();
        assert_eq!(e.code(), code::MALFORMED);
        assert_eq!(
            e.message(),
            r#"the server answered with HTTP ("HTTP/1.1 400 Bad Request"): not a Kafka listener"#
        );
        let ssh: &[u8] = b"SSH-2.0-OpenSSH_9.2\r\n";
        let e = read_frame(&mut &ssh[..], usize::MAX).await.unwrap_err();
        assert!(e.message().starts_with(r#"the server answered with SSH ("SSH-2.0-OpenSSH_9.2")"#), "{e}");
        let text: &[u8] = b"-ERR unknown command\r\n";
        let e = read_frame(&mut &text[..], 1 << 20).await.unwrap_err();
        assert!(e.message().starts_with(r#"the server answered with text ("-ERR unknown command")"#), "{e}");
        // Within a (huge) limit, printable length bytes other than HTTP/SSH are still a length.
        let e = read_frame(&mut &text[..], usize::MAX).await.unwrap_err();
        assert!(!e.message().contains(NOT_KAFKA), "{e}");
    }

    /// A tiny HTTP server on loopback answers the ApiVersions request with "400 Bad Request":
    /// the error names HTTP and shows the status line instead of guessing TLS or SASL.
    #[tokio::test]
    async fn an_http_server_is_named_not_taken_for_a_tls_or_sasl_listener() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut request = [0u8; 512];
            let n = s.read(&mut request).unwrap();
            s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
                .unwrap();
            n
        });
        let opts = ConnectOptions { connect_timeout: Duration::from_secs(5), ..Default::default() };
        let e = tokio::time::timeout(Duration::from_secs(10), BrokerConnection::connect(&addr, &opts))
            .await
            .expect("connect returns within its bounds")
            .unwrap_err();
        assert!(server.join().unwrap() > 0, "the server got our request");
        assert_eq!(e.code(), code::MALFORMED, "{e}");
        assert!(
            e.message().contains(
                r#"the server answered with HTTP ("HTTP/1.1 400 Bad Request"): not a Kafka listener"#
            ),
            "{e}"
        );
        assert!(!e.message().contains("TLS or SASL"), "{e}");
    }

    #[tokio::test]
    async fn frames_are_read_whole() {
        let data: &[u8] = &[0, 0, 0, 3, 9, 8, 7, 0, 0, 0, 0];
        let mut r = data;
        assert_eq!(&read_frame(&mut r, 100).await.unwrap()[..], &[9, 8, 7]);
        assert_eq!(read_frame(&mut r, 100).await.unwrap().len(), 0);
        assert_eq!(read_frame(&mut r, 100).await.unwrap_err().code(), code::TRANSPORT);
    }
}
