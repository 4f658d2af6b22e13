//! The procedural Reviewer: a rubric over the validation report and the renders'
//! segmentation statistics. Approves, or sends the work back to the Coder (a script problem)
//! or the Planner (a plan problem) with concrete comments.

use async_trait::async_trait;

use super::archetypes;
use super::planner::{archetype_for, PlanOptions};
use crate::agents::{
    AgentError, Answer, ChecklistItem, Decision, Review, ReviewRequest, Reviewer, ViewRender,
};
use crate::journal::JournalEntry;
use crate::plan::Role;
use crate::report::GateId;

/// The rubric's thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rubric {
    /// A role counts as visible in a view when it covers at least this fraction of the
    /// image's pixels (and at least one pixel), so the rule holds at any render size.
    pub min_visible_share: f64,
    /// The payload and the goal must each be visible in at least this fraction of the views.
    pub min_visible_fraction: f64,
    /// Fixtures covering more than this fraction of a view's pixels on average is clutter.
    pub max_fixture_fraction: f64,
    /// Fixtures covering less than this fraction on average is an empty scene.
    pub min_fixture_fraction: f64,
}

impl Default for Rubric {
    fn default() -> Self {
        Self {
            min_visible_share: 5e-5,
            min_visible_fraction: 0.5,
            max_fixture_fraction: 0.85,
            min_fixture_fraction: 0.002,
        }
    }
}

/// The procedural Reviewer.
#[derive(Debug, Clone, Default)]
pub struct ProceduralReviewer {
    /// The thresholds.
    pub rubric: Rubric,
}

#[async_trait]
impl Reviewer for ProceduralReviewer {
    fn backend(&self) -> String {
        "procedural".to_string()
    }

    async fn review(&self, request: ReviewRequest) -> Result<Answer<Review>, AgentError> {
        let review = review(&self.rubric, &request);
        let entry = JournalEntry::new(
            Role::Reviewer,
            format!("review round {}", request.round),
            "check the report and the renders against the rubric",
            format!(
                "{} ({} of {} checks hold)",
                review.decision.name(),
                review.checklist.iter().filter(|c| c.passed).count(),
                review.checklist.len()
            ),
            if review.comments.is_empty() {
                "nothing to send back".to_string()
            } else {
                review.comments.join(" / ")
            },
        );
        Ok(Answer::free(review, vec![entry]))
    }
}

fn visible_in(renders: &[ViewRender], min_share: f64, px: impl Fn(&ViewRender) -> u32) -> usize {
    renders
        .iter()
        .filter(|r| {
            let need = (r.visibility.total_px as f64 * min_share).ceil().max(1.0) as u32;
            px(r) >= need
        })
        .count()
}

/// Applies the rubric to one request.
pub fn review(rubric: &Rubric, request: &ReviewRequest) -> Review {
    let report = &request.report;
    let mut checklist = Vec::new();
    let mut to_coder = Vec::new();
    let mut to_planner = Vec::new();

    // 1. Every gate on every seed.
    let failed: Vec<String> = report
        .seeds
        .iter()
        .flat_map(|s| {
            s.failures()
                .map(move |g| format!("seed {} failed {}", s.seed, g.gate))
        })
        .collect();
    let gates_ok = report.passed() && !report.seeds.is_empty();
    checklist.push(ChecklistItem {
        item: "every gate passed on every seed".into(),
        passed: gates_ok,
        note: if gates_ok {
            format!("{} seeds, all gates held", report.seeds.len())
        } else {
            failed.join("; ")
        },
    });
    if !gates_ok {
        to_coder.push(format!(
            "fix the failing gates: {}",
            if failed.is_empty() {
                "the variants do not differ".to_string()
            } else {
                failed.join("; ")
            }
        ));
    }

    // 2. The reference solution worked.
    let solved = report.seeds.iter().all(|s| {
        s.gates
            .iter()
            .any(|g| g.gate == GateId::Solvable && g.passed)
    });
    checklist.push(ChecklistItem {
        item: "the reference solution reached the goal on every seed".into(),
        passed: solved,
        note: format!(
            "{} of {} seeds solved",
            report
                .seeds
                .iter()
                .filter(|s| s.solution.as_ref().is_some_and(|r| r.reached_goal))
                .count(),
            report.seeds.len()
        ),
    });
    if !solved && gates_ok {
        to_coder.push("add a `solve` that brings the payload into the goal on every seed".into());
    }

    // 3. Visibility, from the segmentation statistics of the standard views (named by
    // `ViewAngle::name`, `view_e<elev>_a<azim>`): the spread the rubric's fractions were set
    // for. The task's views and the contact sheets are pictures for a model to look at.
    let standard: Vec<ViewRender> = request
        .renders
        .iter()
        .filter(|r| r.name.starts_with("view_"))
        .cloned()
        .collect();
    let n = standard.len();
    if n == 0 {
        checklist.push(ChecklistItem {
            item: "payload, goal and forbid zones visible in enough views".into(),
            passed: true,
            note: "no renders were supplied; visibility not judged".into(),
        });
    } else {
        let need = ((n as f64) * rubric.min_visible_fraction).ceil() as usize;
        let payload = visible_in(&standard, rubric.min_visible_share, |r| {
            r.visibility.payload_px
        });
        let goal = visible_in(&standard, rubric.min_visible_share, |r| {
            r.visibility.goal_px
        });
        let has_forbid =
            !request.plan.zones.forbid.is_empty() || request.script.source.contains("forbid_zone(");
        let forbid = visible_in(&standard, rubric.min_visible_share, |r| {
            r.visibility.forbid_px
        });
        let ok = payload >= need && goal >= need && (!has_forbid || forbid >= need / 2);
        checklist.push(ChecklistItem {
            item: "payload, goal and forbid zones visible in enough views".into(),
            passed: ok,
            note: format!(
                "payload in {payload}/{n}, goal in {goal}/{n}{} views (need {need})",
                if has_forbid {
                    format!(", forbid in {forbid}/{n}")
                } else {
                    String::new()
                }
            ),
        });
        if !ok {
            // Name what is hidden, with its own threshold.
            let mut hidden = Vec::new();
            if payload < need {
                hidden.push(format!(
                    "the payload shows in {payload} of {n} views (need {need})"
                ));
            }
            if goal < need {
                hidden.push(format!(
                    "the goal shows in {goal} of {n} views (need {need})"
                ));
            }
            if has_forbid && forbid < need / 2 {
                hidden.push(format!(
                    "the forbid zones show in {forbid} of {n} views (need {})",
                    need / 2
                ));
            }
            to_coder.push(format!(
                "make what is hidden visible: {}; move walls or roofs that hide it",
                hidden.join(", ")
            ));
        }
        // 4. Not cluttered, not empty.
        let mean_fix: f64 = request
            .renders
            .iter()
            .map(|r| r.visibility.fixtures_px as f64 / r.visibility.total_px.max(1) as f64)
            .sum::<f64>()
            / n as f64;
        let ok = (rubric.min_fixture_fraction..=rubric.max_fixture_fraction).contains(&mean_fix);
        checklist.push(ChecklistItem {
            item: "the scene is neither cluttered nor empty".into(),
            passed: ok,
            note: format!(
                "fixtures cover {:.1} % of the views on average",
                mean_fix * 100.0
            ),
        });
        if !ok {
            to_coder.push(format!(
                "fixtures cover {:.1} % of the views: {}",
                mean_fix * 100.0,
                if mean_fix > rubric.max_fixture_fraction {
                    "remove or shrink parts that fill the view"
                } else {
                    "the scene is nearly empty; add the fixtures the plan lists"
                }
            ));
        }
    }

    // 5. The archetype is the one the theme's intent decides.
    let decided = crate::intent::parse(&request.plan.theme)
        .ok()
        .and_then(|i| archetype_for(&i, &PlanOptions::default()).ok());
    let matches = match decided {
        Some(best) => request.plan.archetype == best.id,
        None => archetypes::by_id(&request.plan.archetype).is_some(),
    };
    let best_id = decided.map_or(
        "none (the theme is refused by the procedural planner)",
        |a| a.id,
    );
    checklist.push(ChecklistItem {
        item: "the plan's archetype matches the theme".into(),
        passed: matches,
        note: format!(
            "plan uses `{}`; the theme's intent decides `{best_id}`",
            request.plan.archetype
        ),
    });
    if !matches {
        to_planner.push(format!(
            "the theme reads as `{best_id}`, not `{}`: re-plan with that archetype",
            request.plan.archetype
        ));
    }

    // 6. The scene is the plan (the Simulator's check, restated for the record).
    let same = request.plan_differences.is_empty();
    checklist.push(ChecklistItem {
        item: "the scene is the plan".into(),
        passed: same,
        note: if same {
            "no differences between the plan and seed 0's scene".into()
        } else {
            request.plan_differences.join("; ")
        },
    });
    if !same {
        to_coder.push(format!(
            "build the plan: {}",
            request.plan_differences.join("; ")
        ));
    }

    let decision = if !to_planner.is_empty() {
        Decision::RejectToPlanner
    } else if !to_coder.is_empty() {
        Decision::RejectToCoder
    } else {
        Decision::Approve
    };
    let mut comments = to_planner;
    comments.extend(to_coder);
    if decision == Decision::Approve {
        // An approval says why, item by item, with the evidence, and how the benchmark meets
        // each stated fact of the theme (gate 8 proved each on every seed).
        comments = checklist
            .iter()
            .map(|c| format!("approved: {}: {}", c.item, c.note))
            .collect();
        let seeds = request.report.seeds.len();
        comments.extend(request.plan.intent.describe().into_iter().map(|fact| {
            format!("stated fact \"{fact}\": held on all {seeds} seeds (gate 8, fidelity)")
        }));
    }
    Review {
        decision,
        comments,
        checklist,
        round: request.round,
    }
}
