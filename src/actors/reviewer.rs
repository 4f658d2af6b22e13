//! The Reviewer: takes sessions waiting at the reviewer stage and runs the reviewer step (async: the
//! agent may be a language model behind a network endpoint).

use std::sync::Arc;

use super::{spawn_async, Job, JobOutcome, Shared, Worker};
use crate::session::Role;
use crate::store::{Session, StageKind};

/// The Reviewer job.
pub struct ReviewerJob;

impl Job for ReviewerJob {
    const ROLE: Role = Role::Reviewer;
    const STAGE: StageKind = StageKind::Reviewing;

    fn spawn(shared: &Arc<Shared>, session: Session) -> tokio::task::JoinHandle<JobOutcome> {
        spawn_async(Role::Reviewer, shared.steps.review(&session))
    }
}

/// The Reviewer actor.
pub type Reviewer = Worker<ReviewerJob>;
