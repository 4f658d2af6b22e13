//! The Coder: takes the sessions waiting at the coder stage and runs their step, which
//! writes the scene script for the plan (async: the agent may be a language model).

use super::{Job, Worker};
use crate::role::Role;
use crate::session::StageKind;

/// The Coder's stage.
pub struct CoderJob;

impl Job for CoderJob {
    const ROLE: Role = Role::Coder;
    const STAGE: StageKind = StageKind::Coding;
}

/// The Coder actor.
pub type Coder = Worker<CoderJob>;
