//! Test-only fault injection: makes a named point of the daemon fail on purpose, so the crash
//! and restart tests can check what survives. Faults come from the `BENCHFORGE_FAULT`
//! environment variable (read once per process) or from [`set`] inside a test; nothing is
//! injected when neither is used.
//!
//! Syntax: a comma-separated list of `point:action[:once]`, e.g.
//! `simulator:panic:once,dataset.after_rename:abort`. Actions: `panic` (unwinds, the actor
//! guard turns it into a restart), `error` (the call site returns an error), `abort` (the
//! process dies at once, as under SIGKILL). `once` fires the fault a single time per process;
//! a number `N` instead fires it on the N-th hit only.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

/// What to do when a fault point is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Panic at the point.
    Panic,
    /// Make the call site return an error.
    Error,
    /// Abort the whole process without any cleanup.
    Abort,
}

#[derive(Debug)]
struct Fault {
    point: String,
    action: FaultAction,
    once: bool,
    fired: AtomicBool,
    /// Fire only on this hit (1-based), when set.
    nth: Option<u64>,
    hits: std::sync::atomic::AtomicU64,
}

fn registry() -> &'static Mutex<Vec<Fault>> {
    static FAULTS: OnceLock<Mutex<Vec<Fault>>> = OnceLock::new();
    FAULTS.get_or_init(|| {
        let spec = std::env::var("BENCHFORGE_FAULT").unwrap_or_default();
        Mutex::new(parse(&spec))
    })
}

fn parse(spec: &str) -> Vec<Fault> {
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .filter_map(|item| {
            let mut parts = item.trim().split(':');
            let point = parts.next()?.to_string();
            let action = match parts.next()? {
                "panic" => FaultAction::Panic,
                "error" => FaultAction::Error,
                "abort" => FaultAction::Abort,
                other => {
                    tracing::warn!(fault = other, "unknown fault action ignored");
                    return None;
                }
            };
            let third = parts.next();
            let once = third == Some("once");
            let nth = third.and_then(|t| t.parse().ok());
            Some(Fault {
                point,
                action,
                once,
                fired: AtomicBool::new(false),
                nth,
                hits: std::sync::atomic::AtomicU64::new(0),
            })
        })
        .collect()
}

/// Replaces the faults of this process with `spec` (same syntax as `BENCHFORGE_FAULT`).
/// For tests only.
pub fn set(spec: &str) {
    *registry().lock().unwrap_or_else(|e| e.into_inner()) = parse(spec);
}

/// Reaches the fault point `point`: panics or aborts when a matching fault says so, and
/// returns `Err(message)` for an `error` fault. Returns `Ok(())` when nothing is injected.
pub fn hit(point: &str) -> Result<(), String> {
    let action = {
        let faults = registry().lock().unwrap_or_else(|e| e.into_inner());
        let Some(fault) = faults.iter().find(|f| f.point == point) else {
            return Ok(());
        };
        let hit = fault.hits.fetch_add(1, Ordering::SeqCst) + 1;
        if fault.nth.is_some_and(|n| n != hit) {
            return Ok(());
        }
        if fault.once && fault.fired.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        fault.action
    };
    tracing::warn!(fault_point = point, ?action, "injected fault");
    match action {
        FaultAction::Panic => panic!("injected fault at {point}"),
        FaultAction::Error => Err(format!("injected fault at {point}")),
        FaultAction::Abort => std::process::abort(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_points_actions_and_once() {
        let faults = parse("simulator:panic:once, dataset.after_rename:abort,x:bogus");
        assert_eq!(faults.len(), 2);
        assert_eq!(faults[0].point, "simulator");
        assert_eq!(faults[0].action, FaultAction::Panic);
        assert!(faults[0].once);
        assert_eq!(faults[1].action, FaultAction::Abort);
        assert!(!faults[1].once);
        assert_eq!(parse("a:error:3")[0].nth, Some(3));
    }
}
