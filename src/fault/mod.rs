//! Fault injection for the crash tests: named points of the daemon that can be made to panic,
//! fail or abort on purpose, so the tests can check what survives. Compiled in only with the
//! `fault-injection` cargo feature (`enabled.rs`); without it every point is inert
//! (`disabled.rs`) and release builds never read `BENCHFORGE_FAULT`.

use crate::role::Role;

#[cfg(feature = "fault-injection")]
mod enabled;
#[cfg(feature = "fault-injection")]
pub use enabled::{hit, hit_io, set, FaultAction};

#[cfg(not(feature = "fault-injection"))]
mod disabled;
#[cfg(not(feature = "fault-injection"))]
pub use disabled::{hit, hit_io, set};

/// A named place where a fault can be injected. The names are what `BENCHFORGE_FAULT` uses;
/// an unknown name is refused, so a typo cannot silently test nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultPoint {
    /// Inside the Planner's step.
    Planner,
    /// Inside the Coder's step.
    Coder,
    /// Inside the Simulator's step.
    Simulator,
    /// Inside the Reviewer's step.
    Reviewer,
    /// Inside the Persister's benchmark write.
    Persister,
    /// Before the theme and its sessions are written.
    QueueThemeBeforeWrite,
    /// Before a checkpoint is written.
    CommitBeforeWrite,
    /// After a checkpoint is written, before it is flushed.
    CommitBeforeFlush,
    /// After a checkpoint is flushed.
    CommitAfterFlush,
    /// Before any flush of the store.
    StoreBeforeFlush,
    /// Before the benchmark's temporary folder is renamed into place.
    DatasetBeforeRename,
    /// After the rename, before the index line.
    DatasetAfterRename,
    /// After the index line.
    DatasetAfterIndex,
    /// Before the benchmark's files are written (`enospc` there is a full dataset disk).
    DatasetWrite,
    /// Before a simulation's artifacts are written (`enospc` there is a full disk under
    /// the renders).
    ArtifactsWrite,
}

impl FaultPoint {
    /// Every point, so tests can loop over all of them.
    pub const ALL: [FaultPoint; 15] = [
        FaultPoint::Planner,
        FaultPoint::Coder,
        FaultPoint::Simulator,
        FaultPoint::Reviewer,
        FaultPoint::Persister,
        FaultPoint::QueueThemeBeforeWrite,
        FaultPoint::CommitBeforeWrite,
        FaultPoint::CommitBeforeFlush,
        FaultPoint::CommitAfterFlush,
        FaultPoint::StoreBeforeFlush,
        FaultPoint::DatasetBeforeRename,
        FaultPoint::DatasetAfterRename,
        FaultPoint::DatasetAfterIndex,
        FaultPoint::DatasetWrite,
        FaultPoint::ArtifactsWrite,
    ];

    /// The point's name in `BENCHFORGE_FAULT`.
    pub fn name(self) -> &'static str {
        match self {
            FaultPoint::Planner => "planner",
            FaultPoint::Coder => "coder",
            FaultPoint::Simulator => "simulator",
            FaultPoint::Reviewer => "reviewer",
            FaultPoint::Persister => "persister",
            FaultPoint::QueueThemeBeforeWrite => "store.queue_theme.before_write",
            FaultPoint::CommitBeforeWrite => "store.commit.before_write",
            FaultPoint::CommitBeforeFlush => "store.commit.before_flush",
            FaultPoint::CommitAfterFlush => "store.commit.after_flush",
            FaultPoint::StoreBeforeFlush => "store.before_flush",
            FaultPoint::DatasetBeforeRename => "dataset.before_rename",
            FaultPoint::DatasetAfterRename => "dataset.after_rename",
            FaultPoint::DatasetAfterIndex => "dataset.after_index",
            FaultPoint::DatasetWrite => "dataset.write",
            FaultPoint::ArtifactsWrite => "simulator.write_artifacts",
        }
    }

    /// The point named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<FaultPoint> {
        FaultPoint::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The point inside `role`'s step.
    pub fn step(role: Role) -> FaultPoint {
        match role {
            Role::Planner => FaultPoint::Planner,
            Role::Coder => FaultPoint::Coder,
            Role::Simulator => FaultPoint::Simulator,
            Role::Reviewer => FaultPoint::Reviewer,
            Role::Persister => FaultPoint::Persister,
        }
    }
}

impl std::fmt::Display for FaultPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
