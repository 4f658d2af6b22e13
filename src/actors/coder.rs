//! The Coder: takes sessions waiting at the coder stage and runs the coder step (async: the
//! agent may be a language model behind a network endpoint).

use std::sync::Arc;

use super::{spawn_async, Job, JobOutcome, Shared, Worker};
use crate::session::Role;
use crate::store::{Session, StageKind};

/// The Coder job.
pub struct CoderJob;

impl Job for CoderJob {
    const ROLE: Role = Role::Coder;
    const STAGE: StageKind = StageKind::Coding;

    fn spawn(shared: &Arc<Shared>, session: Session) -> tokio::task::JoinHandle<JobOutcome> {
        spawn_async(Role::Coder, shared.steps.code(&session))
    }
}

/// The Coder actor.
pub type Coder = Worker<CoderJob>;
