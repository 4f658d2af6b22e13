//! The real work behind the stages: the agent traits (procedural or LLM backends) for plan,
//! code and review, and for simulate the validator (gates on every seed) plus the variant
//! artifacts of DESIGN.md (`scene.json`, `scene.xml` MJCF, 24 renders, `sim.gif`,
//! `contact_sheet.png`). Converts between the agents' typed values and the store's records,
//! which keep plans, drafts and reports as JSON text.

use std::path::Path;
use std::sync::Arc;

use crate::agents::{
    AgentError, Answer, CodeRequest, Coder, Feedback, PlanRequest, Planner, ReviewRequest,
    Reviewer, RoleVisibility, ScriptDraft, Usage, ViewRender,
};
use crate::config::Config;
use crate::physics::PhysicsSettings;
use crate::plan::{Plan, PlanOutcome};
use crate::render::{BodyPoses, MediaOptions, RenderOptions, RolePixels};
use crate::report::ValidationReport;
use crate::script::SceneScript;
use crate::session::{Role, StepResult};
use crate::steps::{StepFuture, Steps};
use crate::store::{
    now_unix_ms, Decision, JournalEntry, PlanRecord, ReportSummary, ReviewRecord, ScriptRecord,
    Session, Stage, TokenUsage,
};
use crate::validate::{validate_script, ValidateOptions};
use crate::variant::PayloadSpawn;

/// Plan, code and review by the given agents; simulate by the gates and the renderer.
pub struct AgentSteps {
    planner: Arc<dyn Planner>,
    coder: Arc<dyn Coder>,
    reviewer: Arc<dyn Reviewer>,
    render: RenderOptions,
    physics: PhysicsSettings,
}

impl AgentSteps {
    /// Steps with these agents and the render/physics settings of `config`.
    pub fn new(
        config: &Config,
        planner: Arc<dyn Planner>,
        coder: Arc<dyn Coder>,
        reviewer: Arc<dyn Reviewer>,
    ) -> Self {
        let render = RenderOptions {
            width_px: config.render.width_px,
            height_px: config.render.height_px,
            ..RenderOptions::default()
        };
        let physics = PhysicsSettings {
            duration_s: config.gates.passive_time_s,
            max_speed_mps: config.gates.max_speed_mps,
            penetration_tolerance_m: config.gates.penetration_tolerance_m,
            ..PhysicsSettings::default()
        };
        Self {
            planner,
            coder,
            reviewer,
            render,
            physics,
        }
    }
}

fn usage(u: Usage) -> TokenUsage {
    TokenUsage {
        prompt_tokens: u.input_tokens,
        completion_tokens: u.output_tokens,
        calls: u64::from(u.calls),
    }
}

fn journal<T>(answer: &Answer<T>) -> Vec<JournalEntry> {
    answer
        .journal
        .iter()
        .map(|e| JournalEntry {
            at_unix_ms: now_unix_ms(),
            stage: format!("{} — {}", e.role.name(), e.step),
            intent: e.intent.clone(),
            result: e.result.clone(),
            reflection: e.reflection.clone(),
        })
        .collect()
}

fn agent_failed(role: Role, e: AgentError) -> StepResult {
    StepResult::StepFailed {
        role,
        unreachable: e.is_endpoint_failure(),
        message: e.to_string(),
    }
}

fn bad_state(role: Role, message: String) -> StepResult {
    StepResult::StepFailed {
        role,
        unreachable: false,
        message,
    }
}

fn stored_plan(session: &Session) -> Result<Plan, String> {
    let record = session.plan.as_ref().ok_or("the session has no plan")?;
    serde_json::from_str(&record.json).map_err(|e| format!("stored plan unreadable: {e}"))
}

fn stored_draft(session: &Session) -> Option<ScriptDraft> {
    session
        .script
        .as_ref()
        .and_then(|s| serde_json::from_str(&s.draft_json).ok())
}

fn stored_report(session: &Session) -> Option<ValidationReport> {
    session
        .report
        .as_ref()
        .and_then(|r| serde_json::from_str(&r.report_json).ok())
}

/// The first failing gate and the failures in words (at most a few, with seeds).
pub fn summarize(report: &ValidationReport) -> (Option<String>, String) {
    let mut first_gate = None;
    let mut lines = Vec::new();
    for seed in &report.seeds {
        for gate in seed.failures() {
            first_gate.get_or_insert_with(|| gate.gate.name().to_string());
            for f in &gate.findings {
                if lines.len() < 6 {
                    lines.push(format!("seed {}: {}: {}", seed.seed, gate.gate, f.message));
                }
            }
        }
    }
    if !report.randomized.passed {
        first_gate.get_or_insert_with(|| report.randomized.gate.name().to_string());
        for f in &report.randomized.findings {
            lines.push(format!("{}: {}", report.randomized.gate, f.message));
        }
    }
    if lines.is_empty() {
        lines.push(format!("every gate passed on {} seeds", report.seeds.len()));
    }
    (first_gate, lines.join("; "))
}

impl Steps for AgentSteps {
    fn plan(&self, session: &Session) -> StepFuture {
        let planner = self.planner.clone();
        let previous = stored_plan(session).ok();
        let comments: Vec<String> = session
            .reviews
            .last()
            .filter(|r| r.decision == Decision::RejectToPlanner)
            .map(|r| r.comments.clone())
            .unwrap_or_default();
        let request = PlanRequest {
            theme: session.theme.prompt.clone(),
            attempt: session.attempts.plans + 1,
            previous,
            comments,
        };
        Box::pin(async move {
            match planner.plan(request).await {
                Ok(answer) => {
                    let entries = journal(&answer);
                    let used = usage(answer.usage);
                    match answer.value {
                        PlanOutcome::Planned(plan) => StepResult::Planned {
                            plan: PlanRecord {
                                json: serde_json::to_string(&plan).unwrap_or_default(),
                                markdown: plan.to_markdown(),
                                todo_md: plan.todo_markdown(&[]),
                                difficulty: Some(plan.difficulty.score),
                            },
                            usage: used,
                            journal: entries,
                        },
                        PlanOutcome::Refused(r) => StepResult::PlanRefused {
                            reason: format!("{}: {}", r.code, r.reason),
                            usage: used,
                        },
                    }
                }
                Err(e) => agent_failed(Role::Planner, e),
            }
        })
    }

    fn code(&self, session: &Session) -> StepFuture {
        let coder = self.coder.clone();
        let plan = match stored_plan(session) {
            Ok(p) => p,
            Err(e) => return Box::pin(async move { bad_state(Role::Coder, e) }),
        };
        let attempt = match session.stage {
            Stage::Coding { attempt } => attempt,
            _ => 1,
        };
        let previous_script = if attempt > 1 {
            stored_draft(session)
        } else {
            None
        };
        let feedback = (attempt > 1).then(|| Feedback {
            summary: session.feedback.last().cloned().unwrap_or_default(),
            report: stored_report(session),
            review_comments: session
                .reviews
                .last()
                .filter(|r| r.decision == Decision::RejectToCoder)
                .map(|r| r.comments.clone())
                .unwrap_or_default(),
        });
        let request = CodeRequest {
            plan,
            attempt,
            feedback,
            previous_script,
        };
        Box::pin(async move {
            match coder.code(request).await {
                Ok(answer) => StepResult::Coded {
                    script: ScriptRecord {
                        source: answer.value.source.clone(),
                        solution: None,
                        draft_json: serde_json::to_string(&answer.value).unwrap_or_default(),
                    },
                    usage: usage(answer.usage),
                    journal: journal(&answer),
                },
                Err(e) => agent_failed(Role::Coder, e),
            }
        })
    }

    fn simulate(&self, session: &Session, artifacts_dir: &Path) -> StepResult {
        let Some(script) = session.script.as_ref() else {
            return bad_state(Role::Simulator, "the session has no script".into());
        };
        let draft = stored_draft(session);
        let scale_ranges = session
            .theme
            .scale
            .or(draft.as_ref().map(|d| d.scale_ranges))
            .unwrap_or_default();
        let options = ValidateOptions {
            seeds: session.theme.seeds.len().max(1) as u64,
            scale_ranges,
            ..ValidateOptions::default()
        };
        let report = match validate_script(&script.source, &options) {
            Ok(report) => report,
            Err(e) => {
                return StepResult::Simulated {
                    report: ReportSummary {
                        passed: false,
                        failing_gate: Some("script".into()),
                        summary: format!("the script does not compile: {e}"),
                        report_json: String::new(),
                        artifacts_dir: None,
                    },
                }
            }
        };
        let (failing_gate, summary) = summarize(&report);
        let passed = report.passed();
        let mut artifacts = None;
        if passed {
            // Artifacts only for a script that passed: that is what the Reviewer looks at
            // and what the dataset keeps.
            match write_artifacts(
                &script.source,
                &report,
                artifacts_dir,
                &self.render,
                &self.physics,
            ) {
                Ok(()) => artifacts = Some(artifacts_dir.display().to_string()),
                Err(e) => {
                    return bad_state(Role::Simulator, format!("artifacts not written: {e}"));
                }
            }
        }
        StepResult::Simulated {
            report: ReportSummary {
                passed,
                failing_gate,
                summary,
                report_json: serde_json::to_string(&report).unwrap_or_default(),
                artifacts_dir: artifacts,
            },
        }
    }

    fn review(&self, session: &Session) -> StepFuture {
        let reviewer = self.reviewer.clone();
        let (plan, draft, report) = match (
            stored_plan(session),
            stored_draft(session),
            stored_report(session),
        ) {
            (Ok(p), Some(d), Some(r)) => (p, d, r),
            _ => {
                return Box::pin(async {
                    bad_state(
                        Role::Reviewer,
                        "plan, script or report missing for review".into(),
                    )
                })
            }
        };
        let renders = session
            .report
            .as_ref()
            .and_then(|r| r.artifacts_dir.as_ref())
            .map(|dir| load_renders(Path::new(dir), &report, &self.render))
            .unwrap_or_default();
        let round = match session.stage {
            Stage::Reviewing { round } => round,
            _ => 1,
        };
        let request = ReviewRequest {
            plan,
            script: draft,
            report,
            renders,
            round,
        };
        Box::pin(async move {
            match reviewer.review(request).await {
                Ok(answer) => {
                    let review = &answer.value;
                    StepResult::Reviewed {
                        review: ReviewRecord {
                            round,
                            decision: match review.decision {
                                crate::agents::Decision::Approve => Decision::Approve,
                                crate::agents::Decision::RejectToCoder => Decision::RejectToCoder,
                                crate::agents::Decision::RejectToPlanner => {
                                    Decision::RejectToPlanner
                                }
                            },
                            comments: review.comments.clone(),
                            markdown: review.to_markdown(),
                        },
                        usage: usage(answer.usage),
                        journal: journal(&answer),
                    }
                }
                Err(e) => agent_failed(Role::Reviewer, e),
            }
        })
    }
}

/// The per-view statistics file written next to the renders of a seed.
const VIEWS_FILE: &str = "views.json";

/// Writes `seed-<n>/{scene.json, scene.xml, renders/*.png, renders/views.json, sim.gif,
/// contact_sheet.png}` for every seed of `report`.
fn write_artifacts(
    source: &str,
    report: &ValidationReport,
    dir: &Path,
    render: &RenderOptions,
    physics: &PhysicsSettings,
) -> Result<(), String> {
    let script = SceneScript::compile(source).map_err(|e| e.to_string())?;
    for seed_report in &report.seeds {
        let seed = seed_report.seed;
        let seed_dir = dir.join(format!("seed-{seed}"));
        let scene = script
            .build(seed, seed_report.scale)
            .map_err(|e| format!("seed {seed}: {e}"))?;
        let spawn = seed_report
            .payload_spawn
            .unwrap_or_else(|| PayloadSpawn::sample(&scene.payload, seed));
        let solution = script
            .solve(seed, seed_report.scale)
            .map_err(|e| format!("seed {seed}: solve: {e}"))?;
        let io = |e: std::io::Error| format!("{}: {e}", seed_dir.display());
        std::fs::create_dir_all(&seed_dir).map_err(io)?;
        std::fs::write(seed_dir.join("scene.json"), scene.canonical_json()).map_err(io)?;
        let mjcf = crate::export::mjcf::to_mjcf(&scene, &spawn, &format!("seed_{seed}"))
            .map_err(|e| format!("seed {seed}: MJCF: {e}"))?;
        std::fs::write(seed_dir.join("scene.xml"), mjcf).map_err(io)?;
        let views = crate::render::render_views(&scene, &spawn, &BodyPoses::default(), render)
            .map_err(|e| format!("seed {seed}: renders: {e}"))?;
        let renders_dir = seed_dir.join("renders");
        crate::render::write_views(&renders_dir, &views)
            .map_err(|e| format!("seed {seed}: renders: {e}"))?;
        let stats: Vec<(String, RolePixels)> =
            views.iter().map(|v| (v.name.clone(), v.pixels)).collect();
        std::fs::write(
            renders_dir.join(VIEWS_FILE),
            serde_json::to_string(&stats).unwrap_or_default(),
        )
        .map_err(io)?;
        let media = crate::render::sim::simulate_media(
            &scene,
            &spawn,
            solution.as_deref(),
            physics,
            &MediaOptions::default(),
        )
        .map_err(|e| format!("seed {seed}: media: {e}"))?;
        media
            .write(&seed_dir)
            .map_err(|e| format!("seed {seed}: media: {e}"))?;
    }
    Ok(())
}

/// The renders the Reviewer sees: statistics of every view of every seed, PNG bytes of the
/// first seed's views only (enough to look at, small enough to send).
fn load_renders(dir: &Path, report: &ValidationReport, render: &RenderOptions) -> Vec<ViewRender> {
    let mut out = Vec::new();
    for (i, seed_report) in report.seeds.iter().enumerate() {
        let renders_dir = dir
            .join(format!("seed-{}", seed_report.seed))
            .join("renders");
        let Ok(text) = std::fs::read_to_string(renders_dir.join(VIEWS_FILE)) else {
            continue;
        };
        let stats: Vec<(String, RolePixels)> = serde_json::from_str(&text).unwrap_or_default();
        for (name, px) in stats {
            let png = if i == 0 {
                std::fs::read(renders_dir.join(format!("{name}.png"))).unwrap_or_default()
            } else {
                Vec::new()
            };
            out.push(ViewRender {
                name,
                seed: seed_report.seed,
                png,
                visibility: RoleVisibility {
                    payload_px: px.payload,
                    goal_px: px.goal_zone,
                    forbid_px: px.forbid_zones,
                    fixtures_px: px.fixtures,
                    build_px: 0,
                    total_px: render.width_px * render.height_px,
                },
            });
        }
    }
    out
}
