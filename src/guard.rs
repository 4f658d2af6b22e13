//! Turns panics into errors. Risky work (script evaluation, physics, rendering, actor
//! handlers) runs inside [`catch_panic`], so one bad session becomes a failed gate or a
//! restarted actor, never a dead daemon. The quiet hook keeps caught panics off stderr; the
//! message and location are handed back to the catch site instead.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// How many `catch_panic` calls are running on this thread; outside them the previous
    /// hook reports panics as usual (so a failing test still prints its message).
    static CATCHING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Installs the process-wide hook that records a panic's message instead of printing a
/// backtrace. Idempotent.
pub fn install_quiet_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(|c| c.get()) == 0 {
                previous(info);
                return;
            }
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let text = format!("{message}{location}");
            tracing::debug!(panic = %text, "caught panic");
            LAST_PANIC.with(|slot| *slot.borrow_mut() = Some(text));
        }));
    });
}

/// Runs `work`, turning a panic into `Err` with the panic's message and location.
pub fn catch_panic<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_panic_hook();
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(work));
    CATCHING.with(|c| c.set(c.get() - 1));
    result.map_err(|payload| {
        LAST_PANIC
            .with(|slot| slot.borrow_mut().take())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let err = catch_panic(|| -> u32 { panic!("boom {}", 7) }).unwrap_err();
        assert!(err.starts_with("boom 7"), "{err}");
        assert_eq!(catch_panic(|| 5).unwrap(), 5);
    }
}
