//! Fault injection compiled in (`fault-injection` feature). Faults come from the
//! `BENCHFORGE_FAULT` environment variable (read once per process) or from [`set`] inside a
//! test; nothing is injected when neither is used.
//!
//! Syntax: a comma-separated list of `point:action[:once]`, e.g.
//! `simulator:panic:once,dataset.after_rename:abort`. Actions: `panic` (unwinds, the actor
//! guard turns it into a restart), `error` (the call site returns an error), `abort` (the
//! process dies at once, as under SIGKILL), `hang` (the step blocks for
//! [`HANG`], as a simulation that runs far longer than a stop grace), `enospc` (the call site
//! fails as on a full disk: an `io::Error` with `ENOSPC`, see [`hit_io`]). `once` fires the fault a single time per process;
//! a number `N` instead fires it on the N-th hit only, and `times-N` on each of the first `N`
//! hits (a disk that stays full for a while, then has space again).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use super::FaultPoint;

/// What to do when a fault point is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Panic at the point.
    Panic,
    /// Make the call site return an error.
    Error,
    /// Abort the whole process without any cleanup.
    Abort,
    /// Block the calling thread for [`HANG`].
    Hang,
    /// Fail as a full disk does (`ENOSPC`).
    Enospc,
}

/// How long a `hang` fault blocks.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Debug)]
struct Fault {
    point: FaultPoint,
    action: FaultAction,
    once: bool,
    fired: AtomicBool,
    /// Fire only on this hit (1-based), when set.
    nth: Option<u64>,
    /// Fire on each of the first this many hits, when set.
    first: Option<u64>,
    hits: std::sync::atomic::AtomicU64,
}

fn registry() -> &'static Mutex<Vec<Fault>> {
    static FAULTS: OnceLock<Mutex<Vec<Fault>>> = OnceLock::new();
    FAULTS.get_or_init(|| {
        let spec = std::env::var("BENCHFORGE_FAULT").unwrap_or_default();
        match parse(&spec) {
            Ok(faults) => Mutex::new(faults),
            Err(e) => {
                // A typo must not silently test nothing: say so loudly and stop.
                eprintln!("benchforge: BENCHFORGE_FAULT: {e}");
                std::process::exit(2);
            }
        }
    })
}

fn parse(spec: &str) -> Result<Vec<Fault>, String> {
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|item| {
            let mut parts = item.trim().split(':');
            let name = parts.next().unwrap_or_default();
            let point = FaultPoint::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = FaultPoint::ALL.iter().map(|p| p.name()).collect();
                format!("unknown fault point `{name}`; known: {}", known.join(", "))
            })?;
            let action = match parts.next() {
                Some("panic") => FaultAction::Panic,
                Some("error") => FaultAction::Error,
                Some("abort") => FaultAction::Abort,
                Some("hang") => FaultAction::Hang,
                Some("enospc") => FaultAction::Enospc,
                other => {
                    return Err(format!(
                        "fault `{item}`: action {other:?} is not one of panic, error, abort, hang, enospc"
                    ))
                }
            };
            let third = parts.next();
            let once = third == Some("once");
            let bad = |n: &str| format!("fault `{item}`: `{n}` is neither `once`, a hit number nor `times-N`");
            let (nth, first) = match third {
                None | Some("once") => (None, None),
                Some(n) => match n.strip_prefix("times-") {
                    Some(times) => (None, Some(times.parse().map_err(|_| bad(n))?)),
                    None => (Some(n.parse().map_err(|_| bad(n))?), None),
                },
            };
            Ok(Fault {
                point,
                action,
                once,
                fired: AtomicBool::new(false),
                nth,
                first,
                hits: std::sync::atomic::AtomicU64::new(0),
            })
        })
        .collect()
}

/// Replaces the faults of this process with `spec` (same syntax as `BENCHFORGE_FAULT`).
/// For tests only.
pub fn set(spec: &str) -> Result<(), String> {
    *registry().lock().unwrap_or_else(|e| e.into_inner()) = parse(spec)?;
    Ok(())
}

/// Reaches the fault point `point`: panics or aborts when a matching fault says so, and
/// returns `Err(message)` for an `error` fault. Returns `Ok(())` when nothing is injected.
pub fn hit(point: FaultPoint) -> Result<(), String> {
    let action = {
        let faults = registry().lock().unwrap_or_else(|e| e.into_inner());
        let Some(fault) = faults.iter().find(|f| f.point == point) else {
            return Ok(());
        };
        let hit = fault.hits.fetch_add(1, Ordering::SeqCst) + 1;
        if fault.nth.is_some_and(|n| n != hit) || fault.first.is_some_and(|n| hit > n) {
            return Ok(());
        }
        if fault.once && fault.fired.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        fault.action
    };
    tracing::warn!(fault_point = point.name(), ?action, "injected fault");
    match action {
        FaultAction::Panic => panic!("injected fault at {point}"),
        FaultAction::Error => Err(format!("injected fault at {point}")),
        FaultAction::Abort => std::process::abort(),
        FaultAction::Hang => {
            std::thread::sleep(HANG);
            Ok(())
        }
        FaultAction::Enospc => Err(format!(
            "injected fault at {point}: {}",
            std::io::Error::from_raw_os_error(libc::ENOSPC)
        )),
    }
}

/// Like [`hit`], for call sites doing file I/O: an `enospc` fault (and an `error` fault) is
/// returned as the `io::Error` a full disk gives (`ENOSPC`), so the code path under test is
/// exactly the one a real full disk takes.
pub fn hit_io(point: FaultPoint) -> std::io::Result<()> {
    hit(point).map_err(|_| std::io::Error::from_raw_os_error(libc::ENOSPC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_points_actions_and_once() {
        let faults = parse("simulator:panic:once, dataset.after_rename:abort").unwrap();
        assert_eq!(faults.len(), 2);
        assert_eq!(faults[0].point, FaultPoint::Simulator);
        assert_eq!(faults[0].action, FaultAction::Panic);
        assert!(faults[0].once);
        assert_eq!(faults[1].action, FaultAction::Abort);
        assert!(!faults[1].once);
        assert_eq!(parse("coder:error:3").unwrap()[0].nth, Some(3));
        assert_eq!(
            parse("dataset.write:enospc:times-4").unwrap()[0].first,
            Some(4)
        );
        assert!(parse("dataset.write:enospc:times-x").is_err());
        assert_eq!(
            parse("simulator:hang").unwrap()[0].action,
            FaultAction::Hang
        );
        assert_eq!(
            parse("store.commit.before_write:enospc").unwrap()[0].action,
            FaultAction::Enospc
        );
    }

    #[test]
    fn unknown_points_and_actions_are_refused_by_name() {
        let e = parse("store.comit.before_flush:abort").err().unwrap();
        assert!(
            e.contains("store.comit.before_flush") && e.contains("store.commit.before_flush"),
            "{e}"
        );
        let e = parse("coder:explode").err().unwrap();
        assert!(e.contains("explode"), "{e}");
        assert!(parse("coder:error:soon").is_err());
    }

    #[test]
    fn every_point_name_round_trips() {
        for p in FaultPoint::ALL {
            assert_eq!(FaultPoint::from_name(p.name()), Some(p));
        }
    }
}
