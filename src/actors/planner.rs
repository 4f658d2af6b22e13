//! The Planner: takes the sessions waiting at the planner stage and runs their step, which
//! turns a theme into a plan (async: the agent may be a language model behind a network endpoint).

use super::{Job, Worker};
use crate::role::Role;
use crate::session::StageKind;

/// The Planner's stage.
pub struct PlannerJob;

impl Job for PlannerJob {
    const ROLE: Role = Role::Planner;
    const STAGE: StageKind = StageKind::Planning;
}

/// The Planner actor.
pub type Planner = Worker<PlannerJob>;
