//! The Simulator: takes sessions waiting at the simulating stage and runs every gate on every
//! seed. The work is CPU-heavy (script evaluation, physics, rendering), so it runs on the
//! blocking pool, never on the actor's event loop, behind `guard::catch_panic`.

use std::sync::Arc;

use super::{Job, JobOutcome, Shared, Worker};
use crate::session::Role;
use crate::store::{Session, StageKind};

/// The Simulator job.
pub struct SimulatorJob;

impl Job for SimulatorJob {
    const ROLE: Role = Role::Simulator;
    const STAGE: StageKind = StageKind::Simulating;

    fn spawn(shared: &Arc<Shared>, session: Session) -> tokio::task::JoinHandle<JobOutcome> {
        let shared = shared.clone();
        tokio::task::spawn_blocking(move || {
            crate::guard::catch_panic(|| {
                crate::fault::hit(Role::Simulator.name())?;
                // One folder per checkpoint revision: a step abandoned by a restart never
                // writes into the folder of its rerun.
                let dir = shared
                    .data_dir
                    .join("work")
                    .join(&session.id)
                    .join(format!("rev-{}", session.revision));
                Ok(shared.steps.simulate(&session, &dir))
            })
            .and_then(|r| r)
        })
    }
}

/// The Simulator actor.
pub type Simulator = Worker<SimulatorJob>;
