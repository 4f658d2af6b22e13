//! The Simulator: takes the sessions waiting at the simulator stage and runs their step, which
//! runs every gate on every seed (CPU-heavy: on the blocking pool, behind `guard::catch_panic`).

use super::{Job, Worker};
use crate::role::Role;
use crate::session::StageKind;

/// The Simulator's stage.
pub struct SimulatorJob;

impl Job for SimulatorJob {
    const ROLE: Role = Role::Simulator;
    const STAGE: StageKind = StageKind::Simulating;
}

/// The Simulator actor.
pub type Simulator = Worker<SimulatorJob>;
