//! Writers and readers: the handles other threads block in. They live in a registry of live
//! handles, looked up (and reference-counted) by every call before any of their memory is read,
//! so that
//! - a call on a closed writer/reader, or on a pointer that is not one, is KAFKA_ERR_INVALID_ARG
//!   (no memory of a freed handle is ever read);
//! - the memory stays valid while any call is in flight: close takes the handle out of the
//!   registry, and the last call to return frees it;
//! - kafka_*_wakeup() and close make every blocking call on the handle return KAFKA_ERR_WOKEN
//!   promptly, and close waits for the calls on other threads to leave before it runs the last
//!   callbacks on its own thread and returns;
//! - a callback that calls its handle's functions during close works, and a close from inside a
//!   callback is KAFKA_ERR_STATE.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, RwLock};

use super::handle::{tag, Handle, Tagged};
use crate::error::{code, Error, Result};
use crate::runtime::CancelToken;

type Registry = RwLock<HashMap<usize, Arc<dyn Any + Send + Sync>>>;

static LIVE: LazyLock<Registry> = LazyLock::new(Registry::default);

thread_local! {
    /// The handles whose callbacks are running on this thread (innermost last).
    static IN_CALLBACK: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// A registered handle: its value and the state its calls coordinate through.
pub(crate) struct Live<T> {
    pub(crate) value: T,
    gate: Mutex<GateState>,
    left: Condvar,
}

struct GateState {
    /// Calls in flight on the handle (close included).
    calls: usize,
    /// Blocking calls in flight (they wait on `wake`).
    blocked: usize,
    /// Fired (and replaced) by each wakeup; blocking calls wait on it.
    wake: CancelToken,
    /// A wakeup came while no blocking call was in flight: the next one returns at once.
    pending: bool,
    closing: bool,
}

/// Registers `value` and returns the pointer C gets. The memory starts with the type's tag, as
/// every handle's does.
pub(crate) fn register<H: Handle>(value: H::Inner) -> *mut H
where
    H::Inner: Send + Sync + 'static,
{
    let live = Arc::new(Tagged {
        tag: AtomicU64::new(tag::<H>()),
        inner: Live {
            value,
            gate: Mutex::new(GateState {
                calls: 0,
                blocked: 0,
                wake: CancelToken::new(),
                pending: false,
                closing: false,
            }),
            left: Condvar::new(),
        },
    });
    let ptr = Arc::as_ptr(&live) as usize;
    LIVE.write().unwrap_or_else(|p| p.into_inner()).insert(ptr, live);
    ptr as *mut H
}

/// One call on a live handle; the handle's memory stays valid while it exists.
pub(crate) struct Call<T: 'static> {
    live: Arc<Tagged<Live<T>>>,
    ptr: usize,
    name: &'static str,
}

/// Starts a call on `ptr`: NULL, a closed handle or a handle of another type is INVALID_ARG.
pub(crate) fn enter<H: Handle>(ptr: *const H) -> Result<Call<H::Inner>>
where
    H::Inner: Send + Sync + 'static,
{
    if ptr.is_null() {
        return Err(Error::invalid_arg(format!("{} is NULL", H::ARG)));
    }
    let found = LIVE.read().unwrap_or_else(|p| p.into_inner()).get(&(ptr as usize)).cloned();
    let live = found.and_then(|a| a.downcast::<Tagged<Live<H::Inner>>>().ok()).ok_or_else(|| {
        Error::invalid_arg(format!(
            "{} is not a live {} handle (it was closed, or is a handle of another type)",
            H::ARG,
            H::NAME
        ))
    })?;
    live.inner.state().calls += 1;
    Ok(Call { live, ptr: ptr as usize, name: H::NAME })
}

impl<T> Live<T> {
    fn state(&self) -> MutexGuard<'_, GateState> {
        self.gate.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T: 'static> Deref for Call<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.live.inner.value
    }
}

impl<T: 'static> Drop for Call<T> {
    fn drop(&mut self) {
        let mut st = self.live.inner.state();
        st.calls -= 1;
        if st.closing {
            self.live.inner.left.notify_all();
        }
    }
}

/// A blocking call in flight: waits on the application's token joined with the handle's wakeup.
pub(crate) struct Blocking<'c, T: 'static> {
    call: &'c Call<T>,
    token: CancelToken,
    wake: CancelToken,
    user: Option<CancelToken>,
}

impl<T: 'static> Call<T> {
    /// Whether this thread is running one of this handle's callbacks.
    fn in_own_callback(&self) -> bool {
        IN_CALLBACK.with(|c| c.borrow().contains(&self.ptr))
    }

    /// Starts a blocking part of the call. KAFKA_ERR_WOKEN at once if a wakeup is pending, or if
    /// the handle is being closed by another thread (its own callbacks may still block during
    /// close: a rebalance callback committing on REVOKED, for instance).
    pub(crate) fn block(&self, what: &str, user: Option<&CancelToken>) -> Result<Blocking<'_, T>> {
        let mut st = self.live.inner.state();
        if st.closing && !self.in_own_callback() {
            return Err(Error::new(code::WOKEN, format!("{what}: the {} is being closed", self.name)));
        }
        if st.pending {
            st.pending = false;
            return Err(Error::new(code::WOKEN, format!("{what}: woken by a wakeup")));
        }
        st.blocked += 1;
        let wake = st.wake.clone();
        drop(st);
        Ok(Blocking { call: self, token: CancelToken::either(user, &wake), wake, user: user.cloned() })
    }

    /// For calls that run callbacks without blocking (kafka_reader_poll): KAFKA_ERR_WOKEN while
    /// another thread closes the handle, whose close serves the last callbacks itself.
    pub(crate) fn serving(&self, what: &str) -> Result<()> {
        if self.live.inner.state().closing && !self.in_own_callback() {
            return Err(Error::new(code::WOKEN, format!("{what}: the {} is being closed", self.name)));
        }
        Ok(())
    }

    /// Makes every blocking call in flight return KAFKA_ERR_WOKEN; with none in flight, the next
    /// one does. `notify` wakes waiters that do not wait on tokens (condition variables).
    pub(crate) fn wakeup(&self, notify: impl FnOnce()) {
        let mut st = self.live.inner.state();
        Self::fire(&mut st);
        drop(st);
        notify();
    }

    fn fire(st: &mut GateState) {
        st.wake.fire();
        st.wake = CancelToken::new();
        if st.blocked == 0 {
            st.pending = true;
        }
    }

    /// Runs `f` (which calls the application's callbacks) marked as this handle's callback on
    /// this thread, so the callbacks may block during close and may not close the handle.
    pub(crate) fn in_callback<R>(&self, f: impl FnOnce() -> R) -> R {
        IN_CALLBACK.with(|c| c.borrow_mut().push(self.ptr));
        struct Pop;
        impl Drop for Pop {
            fn drop(&mut self) {
                IN_CALLBACK.with(|c| {
                    c.borrow_mut().pop();
                });
            }
        }
        let _pop = Pop;
        f()
    }

    /// The first half of close: refuses a close from inside one of the handle's callbacks or a
    /// second close, marks the handle closing, wakes every blocking call (`notify` as in
    /// [`Call::wakeup`]) and waits for the calls on other threads to leave.
    pub(crate) fn begin_close(&self, notify: impl FnOnce()) -> Result<()> {
        let name = self.name;
        if self.in_own_callback() {
            return Err(Error::new(
                code::STATE,
                format!("kafka_{name}_close() was called from inside one of the {name}'s callbacks"),
            ));
        }
        let mut st = self.live.inner.state();
        if st.closing {
            return Err(Error::new(code::STATE, format!("the {name} is already being closed")));
        }
        st.closing = true;
        Self::fire(&mut st);
        st.pending = false;
        drop(st);
        notify();
        self.wait_alone();
        Ok(())
    }

    /// The second half of close: takes the handle out of the registry (later calls are
    /// INVALID_ARG) and waits for calls that came in meanwhile. The memory goes with the last
    /// `Call`.
    pub(crate) fn end_close(self) {
        LIVE.write().unwrap_or_else(|p| p.into_inner()).remove(&self.ptr);
        self.wait_alone();
    }

    fn wait_alone(&self) {
        let mut st = self.live.inner.state();
        while st.calls > 1 {
            st = self.live.inner.left.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl<T: 'static> Blocking<'_, T> {
    /// The token the blocking work waits on.
    pub(crate) fn token(&self) -> Option<&CancelToken> {
        Some(&self.token)
    }

    /// Whether a wakeup (or close) fired during the call.
    pub(crate) fn woken(&self) -> bool {
        self.wake.is_fired() && !self.user.as_ref().is_some_and(|u| u.is_fired())
    }

    /// The result of the blocking work, with a cancellation that came from a wakeup or close
    /// reported as KAFKA_ERR_WOKEN.
    pub(crate) fn finish<R>(&self, r: Result<R>) -> Result<R> {
        match r {
            Err(e) if e.code() == code::CANCELLED && self.woken() => Err(self.woken_error(e.message())),
            r => r,
        }
    }

    pub(crate) fn woken_error(&self, what: &str) -> Error {
        let closing = self.call.live.inner.state().closing;
        let why = if closing { "is being closed" } else { "was woken (wakeup)" };
        Error::new(code::WOKEN, format!("{what}: the {} {why}", self.call.name))
    }
}

impl<T: 'static> Drop for Blocking<'_, T> {
    fn drop(&mut self) {
        self.call.live.inner.state().blocked -= 1;
    }
}
