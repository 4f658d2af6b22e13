//! The Reviewer: takes the sessions waiting at the reviewer stage and runs their step, which
//! approves or rejects a validated benchmark (async: the agent may be a language model).

use super::{Job, Worker};
use crate::role::Role;
use crate::session::StageKind;

/// The Reviewer's stage.
pub struct ReviewerJob;

impl Job for ReviewerJob {
    const ROLE: Role = Role::Reviewer;
    const STAGE: StageKind = StageKind::Reviewing;
}

/// The Reviewer actor.
pub type Reviewer = Worker<ReviewerJob>;
