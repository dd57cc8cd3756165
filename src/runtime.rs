//! The one tokio runtime every handle in the process shares, and the bridge from blocking
//! callers (C threads) into it: a deadline, a cancellation token, and a fork check.
//!
//! The thread count is fixed when the runtime starts (`KAFKA_RS_IO_THREADS`, default: the number
//! of CPUs, at most 4), so it never grows with the number of connections, readers or writers.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::sync::Notify;

use crate::error::{code, Error, Result};

struct Shared {
    runtime: Runtime,
    pid: u32,
}

static SHARED: LazyLock<std::result::Result<Shared, String>> = LazyLock::new(|| {
    let threads = std::env::var("KAFKA_RS_IO_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()).min(4));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("kafka-rs-io")
        .enable_io()
        .enable_time()
        .build()
        .map(|runtime| Shared { runtime, pid: std::process::id() })
        .map_err(|e| format!("cannot start the I/O runtime: {e}"))
});

/// The shared runtime, or an error if it could not start or this is a forked child.
pub fn runtime() -> Result<&'static Runtime> {
    let shared = SHARED.as_ref().map_err(|e| Error::internal(e.clone()))?;
    if shared.pid != std::process::id() {
        return Err(Error::new(
            code::STATE,
            "the library was used before fork(); create handles in the process that uses them",
        ));
    }
    Ok(&shared.runtime)
}

/// Spawns a task on the shared runtime.
pub fn spawn<F>(fut: F) -> Result<tokio::task::JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(runtime()?.spawn(fut))
}

/// A cancellation signal that any thread may fire; every blocking call that was given it
/// returns `CANCELLED` promptly once fired. `reset` re-arms it for later calls.
///
/// A token may also be joined to a second one ([`CancelToken::either`]): the joined token counts
/// as fired when either is, which is how a handle's wakeup reaches a call that was given the
/// application's own token.
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
    also: Option<Arc<CancelInner>>,
}

#[derive(Default)]
struct CancelInner {
    fired: AtomicBool,
    notify: Notify,
}

impl CancelInner {
    fn is_fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }
    /// A token fired when `a` (if any) or `b` is; firing or resetting it acts on `a` (or `b`).
    pub fn either(a: Option<&CancelToken>, b: &CancelToken) -> CancelToken {
        match a {
            None => b.clone(),
            Some(a) => CancelToken { inner: a.inner.clone(), also: Some(b.inner.clone()) },
        }
    }
    pub fn fire(&self) {
        self.inner.fired.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }
    /// Re-arms the token: calls made after this are no longer cancelled by an earlier fire.
    pub fn reset(&self) {
        self.inner.fired.store(false, Ordering::SeqCst);
    }
    pub fn is_fired(&self) -> bool {
        self.inner.is_fired() || self.also.as_ref().is_some_and(|a| a.is_fired())
    }
    /// Completes once the token has fired.
    pub async fn fired(&self) {
        loop {
            let first = self.inner.notify.notified();
            tokio::pin!(first);
            first.as_mut().enable();
            let second = async {
                match &self.also {
                    Some(a) => {
                        let n = a.notify.notified();
                        tokio::pin!(n);
                        n.as_mut().enable();
                        if a.is_fired() {
                            return;
                        }
                        n.await
                    }
                    None => std::future::pending().await,
                }
            };
            if self.inner.is_fired() {
                return;
            }
            tokio::select! {
                _ = &mut first => {}
                _ = second => {}
            }
            if self.is_fired() {
                return;
            }
        }
    }
}

/// Milliseconds since the Unix epoch (message timestamps).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A duration as the i32 milliseconds Kafka requests carry, capped at i32::MAX.
pub(crate) fn clamp_ms(d: Duration) -> i32 {
    d.as_millis().min(i32::MAX as u128) as i32
}

/// Converts a C-style timeout in milliseconds (-1 = none) into an optional duration.
pub fn timeout_from_ms(ms: i32) -> Option<Duration> {
    (ms >= 0).then(|| Duration::from_millis(ms as u64))
}

/// min(attempt² · min, max), kafka-go's retry backoff.
pub(crate) fn backoff(min: Duration, max: Duration, attempt: u32) -> Duration {
    min.saturating_mul(attempt.saturating_mul(attempt)).min(max)
}

/// Runs `fut` to completion with an optional deadline and cancellation token.
pub async fn with_limits<T>(
    fut: impl Future<Output = Result<T>>,
    timeout: Option<Duration>,
    cancel: Option<&CancelToken>,
) -> Result<T> {
    let cancelled = async {
        match cancel {
            Some(c) => c.fired().await,
            None => std::future::pending().await,
        }
    };
    let deadline = async {
        match timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        _ = cancelled => Err(Error::cancelled()),
        r = fut => r,
        _ = deadline => Err(Error::timed_out(format!(
            "operation did not complete within {} ms",
            timeout.map_or(0, |t| t.as_millis())
        ))),
    }
}

/// Blocks the calling (non-runtime) thread on `fut` with a deadline and a cancellation token.
pub fn block_on<T>(
    fut: impl Future<Output = Result<T>>,
    timeout: Option<Duration>,
    cancel: Option<&CancelToken>,
) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::new(
            code::STATE,
            "a blocking call was made from inside the library's I/O runtime",
        ));
    }
    if cancel.is_some_and(|c| c.is_fired()) {
        return Err(Error::cancelled());
    }
    runtime()?.block_on(with_limits(fut, timeout, cancel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn backoff_grows_quadratically_to_its_cap() {
        let (a, b) = (Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(backoff(a, b, 1), Duration::from_millis(100));
        assert_eq!(backoff(a, b, 2), Duration::from_millis(400));
        assert_eq!(backoff(a, b, 4), Duration::from_secs(1));
    }

    #[test]
    fn block_on_times_out() {
        let start = Instant::now();
        let r: Result<()> = block_on(std::future::pending(), Some(Duration::from_millis(50)), None);
        assert_eq!(r.unwrap_err().code(), code::TIMED_OUT);
        assert!(start.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn cancel_from_another_thread_wakes_a_blocked_call() {
        let token = CancelToken::new();
        let t2 = token.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            t2.fire();
        });
        let r: Result<()> = block_on(std::future::pending(), None, Some(&token));
        assert_eq!(r.unwrap_err().code(), code::CANCELLED);
        h.join().unwrap();
        // A fired token fails the next call at once.
        let r: Result<u8> = block_on(async { Ok(1) }, None, Some(&token));
        assert_eq!(r.unwrap_err().code(), code::CANCELLED);
        // Reset re-arms it.
        token.reset();
        let r: Result<u8> = block_on(async { Ok(1) }, None, Some(&token));
        assert_eq!(r.unwrap(), 1);
    }

    #[test]
    fn a_joined_token_fires_with_either_side() {
        let (a, b) = (CancelToken::new(), CancelToken::new());
        let joined = CancelToken::either(Some(&a), &b);
        assert!(!joined.is_fired());
        let b2 = b.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            b2.fire();
        });
        let r: Result<()> = block_on(std::future::pending(), None, Some(&joined));
        assert_eq!(r.unwrap_err().code(), code::CANCELLED);
        assert!(!a.is_fired());
        h.join().unwrap();
        let fresh = CancelToken::either(Some(&a), &CancelToken::new());
        a.fire();
        let r: Result<()> = block_on(std::future::pending(), None, Some(&fresh));
        assert_eq!(r.unwrap_err().code(), code::CANCELLED);
    }

    #[test]
    fn handles_share_one_runtime() {
        let a = runtime().unwrap() as *const Runtime;
        let b = runtime().unwrap() as *const Runtime;
        assert_eq!(a, b);
    }
}
