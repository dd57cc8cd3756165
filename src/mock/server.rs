//! The brokers' sockets: one accept loop per broker, one task per connection reading request
//! frames in order and answering them in order (as a broker does), with the injected faults.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::handlers::{self, Ctx, Reply};
use super::state::Fault;
use super::Shared;
use crate::protocol::messages::api_key;
use crate::protocol::Decoder;

/// Frames larger than this close the connection (as socket.request.max.bytes does).
const MAX_FRAME: usize = 100 << 20;

/// One running incarnation of a broker's listener and its connections.
pub struct Running {
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Running {
    /// Closes the listener and every connection, and waits until they are gone.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.accept.await;
        let conns = std::mem::take(&mut *self.conns.lock().unwrap());
        for c in conns {
            c.abort();
            let _ = c.await;
        }
    }
}

/// Starts serving `listener` as broker `id`. Must run inside the mock's runtime.
pub fn serve(shared: Arc<Shared>, id: i32, listener: TcpListener) -> Running {
    let (stop, mut stop_rx) = watch::channel(false);
    let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
    let conns2 = conns.clone();
    let accept = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop_rx.changed() => return,
                r = listener.accept() => {
                    let Ok((stream, _)) = r else { continue };
                    let shared = shared.clone();
                    let mut rx = stop_rx.clone();
                    let h = tokio::spawn(async move {
                        tokio::select! {
                            _ = rx.changed() => {}
                            _ = connection(shared, id, stream) => {}
                        }
                    });
                    let mut list = conns2.lock().unwrap();
                    list.retain(|h| !h.is_finished());
                    list.push(h);
                }
            }
        }
    });
    Running { stop, accept, conns }
}

async fn read_frame(stream: &mut TcpStream) -> Option<Bytes> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await.ok()?;
    let n = i32::from_be_bytes(len);
    if n < 8 || n as usize > MAX_FRAME {
        return None;
    }
    let mut buf = vec![0u8; n as usize];
    stream.read_exact(&mut buf).await.ok()?;
    Some(Bytes::from(buf))
}

async fn connection(shared: Arc<Shared>, broker: i32, mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    // Once a request is swallowed nothing more is answered on this connection: a broker
    // answers in order, so a request it never answers holds back every later one.
    let mut hung = false;
    while let Some(frame) = read_frame(&mut stream).await {
        let mut d = Decoder::new(frame);
        let (Ok(api), Ok(version), Ok(correlation), Ok(client_id)) =
            (d.i16(), d.i16(), d.i32(), d.nullable_string())
        else {
            return;
        };
        let fault = {
            let mut st = shared.state.lock().unwrap();
            *st.counts.entry((broker, api)).or_insert(0) += 1;
            if hung {
                None
            } else {
                st.take_fault(api)
            }
        };
        if hung {
            continue;
        }
        let Some((lo, hi)) = handlers::version_range(api) else { return };
        let flexible = version >= handlers::flexible_min(api);
        let mut out = BytesMut::new();
        out.put_i32(0);
        out.put_i32(correlation);
        if api == api_key::API_VERSIONS && version > hi {
            out.extend_from_slice(&handlers::api_versions_unsupported());
            if finish(&mut stream, out).await.is_err() {
                return;
            }
            continue;
        }
        if version < lo || version > hi {
            return;
        }
        if flexible && d.tagged_fields(|_, _| Ok(false)).is_err() {
            return;
        }
        let mut drop_after = false;
        let inject = match fault {
            Some(Fault::Drop) => return,
            Some(Fault::DropResponse) => {
                drop_after = true;
                None
            }
            Some(Fault::Swallow) => {
                hung = true;
                continue;
            }
            Some(Fault::Error(e)) => Some(e),
            None => None,
        };
        let Ok(body) = d.bytes_exact(d.remaining(), "request body") else { return };
        let client_id = client_id.unwrap_or_default();
        let ctx = Ctx { shared: &shared, broker, version, client_id: &client_id, inject };
        let reply = match handlers::handle(ctx, api, body).await {
            Ok(r) => r,
            Err(_) => return,
        };
        if drop_after {
            return;
        }
        let delay = {
            let st = shared.state.lock().unwrap();
            st.delays.get(&api).copied().unwrap_or(0) + st.broker(broker).map_or(0, |b| b.rtt_ms)
        };
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let Reply::Body(body) = reply else { continue };
        if flexible && api != api_key::API_VERSIONS {
            out.put_u8(0); // response header v1: no tagged fields
        }
        out.extend_from_slice(&body);
        if finish(&mut stream, out).await.is_err() {
            return;
        }
    }
}

async fn finish(stream: &mut TcpStream, mut out: BytesMut) -> std::io::Result<()> {
    let len = (out.len() - 4) as i32;
    out[..4].copy_from_slice(&len.to_be_bytes());
    stream.write_all(&out).await
}
