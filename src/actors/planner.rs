//! The Planner: takes sessions waiting at the planner stage and runs the planner step (async: the
//! agent may be a language model behind a network endpoint).

use std::sync::Arc;

use super::{spawn_async, Job, JobOutcome, Shared, Worker};
use crate::session::Role;
use crate::store::{Session, StageKind};

/// The Planner job.
pub struct PlannerJob;

impl Job for PlannerJob {
    const ROLE: Role = Role::Planner;
    const STAGE: StageKind = StageKind::Planning;

    fn spawn(shared: &Arc<Shared>, session: Session) -> tokio::task::JoinHandle<JobOutcome> {
        spawn_async(Role::Planner, shared.steps.plan(&session))
    }
}

/// The Planner actor.
pub type Planner = Worker<PlannerJob>;
