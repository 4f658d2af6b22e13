//! The one implementation of [`Steps`]: the agent traits (procedural or LLM backends) for
//! plan, code and review, and for simulate the validator (gates on every seed, with the
//! config's `[gates]` settings) plus the variant artifacts of DESIGN.md (`scene.json`,
//! `scene.xml` MJCF, 24 renders, `sim.gif`, `contact_sheet.png`). It builds requests from the
//! typed session record and wraps answers as [`StepResult`]s; the rules are `advance`'s.

use std::path::Path;
use std::sync::Arc;

use crate::agents::{
    AgentError, CodeRequest, Coder, Decision, Feedback, PlanRequest, Planner, ReviewRequest,
    Reviewer, RoleVisibility, ViewRender,
};
use crate::config::Config;
use crate::physics::PhysicsSettings;
use crate::plan::PlanOutcome;
use crate::render::{BodyPoses, MediaOptions, RenderOptions, RolePixels};
use crate::report::ValidationReport;
use crate::role::Role;
use crate::script::SceneScript;
use crate::session::{Session, SimulationReport, Stage, StepResult};
use crate::steps::{StepFuture, Steps};
use crate::validate::{validate_script, ValidateOptions};
use crate::variant::PayloadSpawn;

/// Plan, code and review by the given agents; simulate by the gates and the renderer.
pub struct AgentSteps {
    planner: Arc<dyn Planner>,
    coder: Arc<dyn Coder>,
    reviewer: Arc<dyn Reviewer>,
    render: RenderOptions,
    physics: PhysicsSettings,
    /// The dataset's folder: the Planner is told the plans it already holds for a theme.
    data_dir: std::path::PathBuf,
    /// The baseline battery and worth checks run on a candidate that passed the gates.
    worth: crate::baselines::WorthSettings,
    /// Each theme's stated budget by prompt (`Config::theme_budgets`); a theme without one
    /// gets a budget derived from its reference solution.
    budgets: Vec<(String, crate::budget::Budget)>,
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
            views: crate::render::ViewAngle::spread(config.render.views_per_seed as usize),
            ..RenderOptions::default()
        };
        let physics = config.gates.physics();
        Self {
            planner,
            coder,
            reviewer,
            render,
            physics,
            data_dir: config.data_dir.clone(),
            worth: config.worth.clone(),
            budgets: config.theme_budgets(),
        }
    }
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

/// Most lines a failure summary keeps; beyond it the rest is counted per rule in one line.
const SUMMARY_LINES: usize = 24;

/// The first failing gate and the failures in words a person or a model can act on: every
/// failing seed (with its scale), at most two findings of each failing gate, then gate 7's.
/// Compacted, not cut: a finding whose rule an earlier seed already showed in full keeps
/// only its headline (the message up to the first "; ", which carries the numbers), and
/// lines past [`SUMMARY_LINES`] are counted per rule with their seeds.
pub fn summarize(report: &ValidationReport) -> (Option<String>, String) {
    let mut first_gate = None;
    let mut lines = Vec::new();
    let mut overflow: Vec<(String, Vec<u64>)> = Vec::new();
    let mut shown_in_full: Vec<(String, String)> = Vec::new();
    for seed in &report.seeds {
        for gate in seed.failures() {
            first_gate.get_or_insert_with(|| gate.gate.name().to_string());
            for f in gate.findings.iter().take(2) {
                let key = (gate.gate.name().to_string(), f.rule.clone());
                let text = if shown_in_full.contains(&key) {
                    f.message.split("; ").next().unwrap_or(&f.message)
                } else {
                    shown_in_full.push(key);
                    f.message.as_str()
                };
                if lines.len() < SUMMARY_LINES - 1 {
                    lines.push(format!(
                        "seed {} (scale [{:.2}, {:.2}, {:.2}]) {}: {text}",
                        seed.seed, seed.scale[0], seed.scale[1], seed.scale[2], gate.gate
                    ));
                } else {
                    match overflow.iter_mut().find(|(r, _)| *r == f.rule) {
                        Some((_, seeds)) if seeds.last() == Some(&seed.seed) => {}
                        Some((_, seeds)) => seeds.push(seed.seed),
                        None => overflow.push((f.rule.clone(), vec![seed.seed])),
                    }
                }
            }
        }
    }
    if !overflow.is_empty() {
        let counted: Vec<String> = overflow
            .iter()
            .map(|(rule, seeds)| {
                let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
                format!("{rule} on seeds {}", list.join(", "))
            })
            .collect();
        lines.push(format!("also: {}", counted.join("; ")));
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
    (first_gate, lines.join("\n"))
}

impl Steps for AgentSteps {
    fn plan(&self, session: &Session) -> StepFuture {
        let planner = self.planner.clone();
        // A re-plan says why: the Reviewer's comments when it sent the plan back, else the
        // findings that used up the Coder's attempts on the previous plan.
        let comments: Vec<String> = match session.reviews.last() {
            Some(r) if r.decision == Decision::RejectToPlanner => r.comments.clone(),
            _ if session.attempts.plans > 0 => {
                session.feedback.last().cloned().into_iter().collect()
            }
            _ => Vec::new(),
        };
        let request = PlanRequest {
            theme: session.theme.prompt.clone(),
            attempt: session.attempts.plans + 1,
            previous: session.plan.clone(),
            comments,
            index: session.index,
            benchmark_id: session.id.clone(),
            count: session.theme.count,
            siblings: crate::dataset::theme_plans(&self.data_dir, &session.theme.prompt),
        };
        Box::pin(async move {
            match planner.plan(request).await {
                Ok(answer) => match answer.value {
                    PlanOutcome::Planned(plan) => StepResult::Planned {
                        plan,
                        usage: answer.usage,
                        journal: answer.journal,
                    },
                    PlanOutcome::Refused(r) => StepResult::PlanRefused {
                        reason: format!("{}: {}", r.code, r.reason),
                        usage: answer.usage,
                        journal: answer.journal,
                    },
                },
                Err(e) => agent_failed(Role::Planner, e),
            }
        })
    }

    fn code(&self, session: &Session) -> StepFuture {
        let coder = self.coder.clone();
        let Some(plan) = session.plan.clone() else {
            return Box::pin(async { bad_state(Role::Coder, "the session has no plan".into()) });
        };
        let attempt = match session.stage {
            Stage::Coding { attempt } => attempt,
            _ => 1,
        };
        let previous_script = if attempt > 1 {
            session.script.clone()
        } else {
            None
        };
        let feedback = (attempt > 1).then(|| Feedback {
            summary: session.feedback.last().cloned().unwrap_or_default(),
            report: session.validation().cloned(),
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
            budget: self.stated_budget(session).cloned(),
        };
        Box::pin(async move {
            match coder.code(request).await {
                Ok(answer) => StepResult::Coded {
                    script: answer.value,
                    usage: answer.usage,
                    journal: answer.journal,
                },
                Err(e) => agent_failed(Role::Coder, e),
            }
        })
    }

    fn simulate(&self, session: &Session, artifacts_dir: &Path) -> StepResult {
        let Some(script) = session.script.as_ref() else {
            return bad_state(Role::Simulator, "the session has no script".into());
        };
        // Below the free-space floor the gates are not even run: their artifacts could not
        // be kept, and a paused daemon should not spend the CPU again on every retry.
        if let Err(shortage) = crate::disk::check_current_floor(artifacts_dir) {
            return crate::steps::resource_wait(Role::Simulator, shortage);
        }
        let options = ValidateOptions {
            seeds: session.theme.seeds.clone(),
            seed_stream: crate::variant::seed_stream(&session.id),
            scale_ranges: session.theme.scale.unwrap_or(script.scale_ranges),
            parallel: true,
            physics: self.physics.clone(),
            intent: session.plan.as_ref().map(|p| p.intent.clone()),
        };
        let report = match validate_script(&script.source, &options) {
            Ok(report) => report,
            Err(e) => {
                return StepResult::Simulated {
                    report: SimulationReport {
                        passed: false,
                        failing_gate: Some("script".into()),
                        summary: format!("the script does not compile: {e}"),
                        report: None,
                        artifacts_dir: None,
                        physics: Some(self.physics.clone()),
                    },
                }
            }
        };
        let (mut failing_gate, mut summary) = summarize(&report);
        let mut passed = report.passed();
        // The scene compared with the plan: each difference is a failed check the Coder gets
        // back; after a failed gate they are added to its findings.
        let differences = session
            .plan
            .as_ref()
            .map(|plan| plan_differences(plan, &script.source, &report, options.seed_stream))
            .unwrap_or_default();
        if !differences.is_empty() {
            let lines: Vec<String> = differences
                .iter()
                .map(|d| format!("{PLAN_GATE}: {d}"))
                .collect();
            if passed {
                passed = false;
                failing_gate = Some(PLAN_GATE.to_string());
                summary = lines.join("\n");
            } else {
                summary.push('\n');
                summary.push_str(&lines.join("\n"));
            }
        }
        // The reference solution against the theme's budget (every cap it leaves out derived
        // from the reference), on a candidate that passed every gate and the plan check.
        let budget = if passed {
            Some(self.check_budget(script, session, &report, &options))
        } else {
            None
        };
        let budget = match budget {
            Some(Ok(b)) => {
                if !b.passed() {
                    passed = false;
                    failing_gate = Some(BUDGET_GATE.to_string());
                    summary = b
                        .findings
                        .iter()
                        .map(|f| format!("{BUDGET_GATE}: [{}] {}", f.rule, f.message))
                        .collect::<Vec<_>>()
                        .join("\n");
                }
                Some(b)
            }
            Some(Err(e)) => {
                passed = false;
                failing_gate = Some(BUDGET_GATE.to_string());
                summary = format!(
                    "{BUDGET_GATE}: [budget_not_measured] the reference solution's use could not be measured: {e}"
                );
                None
            }
            None => None,
        };
        // The baseline battery, on a candidate that passed every gate: recorded always,
        // refusing only when `[worth] enforce` says so.
        let worth = if passed {
            self.assess(script, session, &options)
        } else {
            None
        };
        if let Some(w) = worth.as_ref().filter(|w| self.worth.enforce && !w.passed()) {
            passed = false;
            failing_gate = Some(WORTH_GATE.to_string());
            summary = w
                .findings
                .iter()
                .map(|f| format!("{WORTH_GATE}: [{}] {}", f.rule, f.message))
                .collect::<Vec<_>>()
                .join("\n");
        }
        let mut artifacts = None;
        if passed {
            // Artifacts only for a script that passed: that is what the Reviewer looks at
            // and what the dataset keeps.
            match write_artifacts(
                &script.source,
                &report,
                options.seed_stream,
                artifacts_dir,
                &self.render,
                &self.physics,
            )
            .and_then(|()| write_worth(artifacts_dir, worth.as_ref()))
            .and_then(|()| write_budget(artifacts_dir, budget.as_ref()))
            {
                Ok(()) => artifacts = Some(artifacts_dir.display().to_string()),
                Err(ArtifactError::Disk(shortage)) => {
                    return crate::steps::resource_wait(Role::Simulator, shortage);
                }
                Err(ArtifactError::Other(e)) => {
                    return bad_state(Role::Simulator, format!("artifacts not written: {e}"));
                }
            }
        }
        StepResult::Simulated {
            report: SimulationReport {
                passed,
                failing_gate,
                summary,
                report: Some(report),
                artifacts_dir: artifacts,
                physics: Some(self.physics.clone()),
            },
        }
    }

    fn review(&self, session: &Session) -> StepFuture {
        let reviewer = self.reviewer.clone();
        let (Some(plan), Some(script), Some(report)) = (
            session.plan.clone(),
            session.script.clone(),
            session.validation().cloned(),
        ) else {
            return Box::pin(async {
                bad_state(
                    Role::Reviewer,
                    "plan, script or report missing for review".into(),
                )
            });
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
        let parts = built_parts(&script.source, &report, &session.id);
        let plan_differences = plan_differences(
            &plan,
            &script.source,
            &report,
            crate::variant::seed_stream(&session.id),
        );
        let request = ReviewRequest {
            plan,
            script,
            report,
            renders,
            round,
            parts,
            plan_differences,
        };
        Box::pin(async move {
            match reviewer.review(request).await {
                Ok(answer) => StepResult::Reviewed {
                    review: answer.value,
                    usage: answer.usage,
                    journal: answer.journal,
                },
                Err(e) => agent_failed(Role::Reviewer, e),
            }
        })
    }
}

/// The failing-gate name of a candidate whose scene differs from its plan
/// (`plan_match::differences`).
pub const PLAN_GATE: &str = "plan";

/// The differences between `plan` and the scene the report's first seed builds at scale 1,
/// the plan's scale (see [`crate::plan_match`]), one line each; empty when they agree or when
/// there is no seed or the script does not compile (the gates report that).
pub fn plan_differences(
    plan: &crate::plan::Plan,
    source: &str,
    report: &ValidationReport,
    seed_stream: u64,
) -> Vec<String> {
    let Some(first) = report.seeds.first() else {
        return Vec::new();
    };
    let Ok(script) = SceneScript::compile(source) else {
        return Vec::new();
    };
    let built_with = crate::variant::variant_seed(seed_stream, first.seed);
    match script.build(built_with, [1.0; 3]) {
        Ok(scene) => crate::plan_match::differences(plan, &scene),
        Err(e) => vec![format!(
            "seed {} does not build at scale 1 (the plan's scale), so the scene cannot be compared with the plan: {e}",
            first.seed
        )],
    }
}

/// The failing-gate name of a candidate the enforced worth checks refused.
pub const WORTH_GATE: &str = "worth";

/// The failing-gate name of a candidate whose reference solution is over its budget
/// ([`crate::budget::check_reference`]).
pub const BUDGET_GATE: &str = "budget";

fn write_budget(
    dir: &Path,
    budget: Option<&crate::budget::BudgetReport>,
) -> Result<(), ArtifactError> {
    let Some(budget) = budget else { return Ok(()) };
    let text = serde_json::to_string_pretty(budget).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| ArtifactError::io(dir, e))?;
    std::fs::write(dir.join(crate::budget::BUDGET_FILE), text)
        .map_err(|e| ArtifactError::io(dir, e))
}

fn write_worth(
    dir: &Path,
    worth: Option<&crate::baselines::WorthReport>,
) -> Result<(), ArtifactError> {
    let Some(worth) = worth else { return Ok(()) };
    let text = serde_json::to_string_pretty(worth).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| ArtifactError::io(dir, e))?;
    std::fs::write(dir.join(crate::baselines::WORTH_FILE), text)
        .map_err(|e| ArtifactError::io(dir, e))
}

/// Why a simulation's artifacts were not written: a full disk (a wait) or anything else.
enum ArtifactError {
    /// The disk is full, over quota or failing.
    Disk(crate::disk::Shortage),
    /// Anything else, in words.
    Other(String),
}

impl From<String> for ArtifactError {
    fn from(message: String) -> Self {
        ArtifactError::Other(message)
    }
}

impl ArtifactError {
    fn io(path: &Path, e: std::io::Error) -> Self {
        if crate::disk::is_resource_error(&e) {
            ArtifactError::Disk(crate::disk::Shortage::from_io(path, &e))
        } else {
            ArtifactError::Other(format!("{}: {e}", path.display()))
        }
    }

    fn render(what: String, e: crate::render::RenderError) -> Self {
        match &e {
            crate::render::RenderError::Io { path, source }
                if crate::disk::is_resource_error(source) =>
            {
                ArtifactError::Disk(crate::disk::Shortage::from_io(path, source))
            }
            _ => ArtifactError::Other(format!("{what}: {e}")),
        }
    }
}

impl AgentSteps {
    /// The budget the session's theme states in the config, looked up by its prompt.
    fn stated_budget(&self, session: &Session) -> Option<&crate::budget::Budget> {
        self.budgets
            .iter()
            .find(|(prompt, _)| *prompt == session.theme.prompt.trim())
            .map(|(_, b)| b)
    }

    /// The reference solution of `script` on the report's seeds against the budget the
    /// session's theme states in the config (by prompt), every cap it leaves out derived.
    fn check_budget(
        &self,
        script: &crate::agents::ScriptDraft,
        session: &Session,
        report: &ValidationReport,
        options: &ValidateOptions,
    ) -> Result<crate::budget::BudgetReport, String> {
        let compiled = SceneScript::compile(&script.source).map_err(|e| e.to_string())?;
        crate::budget::check_reference(
            &compiled,
            report,
            options.seed_stream,
            &self.physics,
            self.stated_budget(session),
            &crate::budget::Catalogue::default(),
        )
    }

    /// The battery on the session's checked seeds, on its seed stream, with the gates'
    /// physics and the plan's obstacles.
    fn assess(
        &self,
        script: &crate::agents::ScriptDraft,
        session: &Session,
        options: &ValidateOptions,
    ) -> Option<crate::baselines::WorthReport> {
        let obstacles = session
            .plan
            .as_ref()
            .map(crate::baselines::plan_obstacles)
            .unwrap_or_default();
        // It compiled for the gates a moment ago.
        let compiled = SceneScript::compile(&script.source).ok()?;
        let mut report = crate::baselines::assess(
            &compiled,
            &options.seeds,
            options.seed_stream,
            &options.scale_ranges,
            &self.physics,
            &obstacles,
            &self.worth,
        );
        // The config refuses a tier label that is not one; a stored older label asks nothing.
        let requested = session
            .theme
            .tier
            .as_deref()
            .and_then(|t| crate::baselines::requested_tier(t).ok());
        report.check_requested_tier(requested);
        Some(report)
    }
}

/// The parts the first seed of `report` built, scene and reference solution, in words (see
/// `agents::llm::reviewer::parts_in_words`); empty when the script no longer builds.
fn built_parts(source: &str, report: &ValidationReport, session_id: &str) -> Vec<String> {
    let Some(first) = report.seeds.first() else {
        return Vec::new();
    };
    let Ok(script) = SceneScript::compile(source) else {
        return Vec::new();
    };
    let built_with =
        crate::variant::variant_seed(crate::variant::seed_stream(session_id), first.seed);
    let Ok(scene) = script.build(built_with, first.scale) else {
        return Vec::new();
    };
    let solution = script
        .solve(built_with, first.scale)
        .ok()
        .flatten()
        .unwrap_or_default();
    crate::agents::llm::reviewer::parts_in_words(&scene, &solution)
}

/// The folder of a seed holding the views chosen for its task (see
/// `render::write_task_views`).
pub use crate::render::REVIEW_VIEWS_DIR;
use crate::render::VIEWS_FILE;

/// Writes `seed-<n>/{scene.json, scene.xml, scene_solution.xml, renders/*.png, renders/views.json, sim.gif,
/// contact_sheet.png}` for every seed of `report`.
fn write_artifacts(
    source: &str,
    report: &ValidationReport,
    seed_stream: u64,
    dir: &Path,
    render: &RenderOptions,
    physics: &PhysicsSettings,
) -> Result<(), ArtifactError> {
    crate::fault::hit_io(crate::fault::FaultPoint::ArtifactsWrite)
        .map_err(|e| ArtifactError::io(dir, e))?;
    let script = SceneScript::compile(source).map_err(|e| e.to_string())?;
    for seed_report in &report.seeds {
        let seed = seed_report.seed;
        let built_with = crate::variant::variant_seed(seed_stream, seed);
        let seed_dir = dir.join(format!("seed-{seed}"));
        let scene = script
            .build(built_with, seed_report.scale)
            .map_err(|e| format!("seed {seed}: {e}"))?;
        let spawn = seed_report
            .payload_spawn
            .unwrap_or_else(|| PayloadSpawn::sample(&scene.payload, built_with));
        let solution = script
            .solve(built_with, seed_report.scale)
            .map_err(|e| format!("seed {seed}: solve: {e}"))?;
        let io = |e: std::io::Error| ArtifactError::io(&seed_dir, e);
        std::fs::create_dir_all(&seed_dir).map_err(io)?;
        std::fs::write(seed_dir.join("scene.json"), scene.canonical_json()).map_err(io)?;
        // MuJoCo users get the variant as the gates ran it, with and without the reference
        // solution's parts.
        let mjcf_options = crate::export::mjcf::MjcfOptions::from_physics(physics);
        let model = format!("seed_{seed}");
        let passive = crate::scene::Solution::default();
        for (file, parts) in [
            ("scene.xml", &passive),
            ("scene_solution.xml", solution.as_ref().unwrap_or(&passive)),
        ] {
            let mjcf = crate::export::mjcf::to_mjcf_with_solution(
                &scene,
                &spawn,
                parts,
                &model,
                &mjcf_options,
            )
            .map_err(|e| format!("seed {seed}: MJCF {file}: {e}"))?;
            std::fs::write(seed_dir.join(file), mjcf).map_err(io)?;
        }
        let views = crate::render::render_views(&scene, &spawn, &BodyPoses::default(), render)
            .map_err(|e| format!("seed {seed}: renders: {e}"))?;
        let renders_dir = seed_dir.join("renders");
        crate::render::write_views(&renders_dir, &views)
            .map_err(|e| ArtifactError::render(format!("seed {seed}: renders"), e))?;
        let stats: Vec<(String, RolePixels)> =
            views.iter().map(|v| (v.name.clone(), v.pixels)).collect();
        std::fs::write(
            renders_dir.join(VIEWS_FILE),
            serde_json::to_string(&stats).unwrap_or_default(),
        )
        .map_err(io)?;
        // The views the Reviewer is shown, chosen for this variant's task.
        crate::render::write_task_views(
            &seed_dir,
            &scene,
            &spawn,
            solution.as_deref().unwrap_or(&[]),
            render,
        )
        .map_err(|e| ArtifactError::render(format!("seed {seed}: task views"), e))?;
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
            .map_err(|e| ArtifactError::render(format!("seed {seed}: media"), e))?;
    }
    Ok(())
}

/// The renders the Reviewer sees: statistics of every standard view of every seed (no
/// pixels), then — for seed 0 and a second seed — the task's views with pixels, and the
/// first seed's passive and solution contact sheets.
fn load_renders(dir: &Path, report: &ValidationReport, render: &RenderOptions) -> Vec<ViewRender> {
    let total_px = render.width_px * render.height_px;
    let visibility = |px: RolePixels| RoleVisibility {
        payload_px: px.payload,
        goal_px: px.goal_zone,
        forbid_px: px.forbid_zones,
        fixtures_px: px.fixtures,
        build_px: 0,
        total_px,
    };
    let mut out = Vec::new();
    for seed_report in &report.seeds {
        let renders_dir = dir
            .join(format!("seed-{}", seed_report.seed))
            .join("renders");
        let Ok(text) = std::fs::read_to_string(renders_dir.join(VIEWS_FILE)) else {
            continue;
        };
        let stats: Vec<(String, RolePixels)> = serde_json::from_str(&text).unwrap_or_default();
        for (name, px) in stats {
            out.push(ViewRender {
                name,
                seed: seed_report.seed,
                png: Vec::new(),
                visibility: visibility(px),
            });
        }
    }
    for (i, seed_report) in report.seeds.iter().take(2).enumerate() {
        let seed_dir = dir.join(format!("seed-{}", seed_report.seed));
        let review_dir = seed_dir.join(REVIEW_VIEWS_DIR);
        let stats: Vec<(String, crate::render::ViewAngle, RolePixels)> =
            std::fs::read_to_string(review_dir.join(VIEWS_FILE))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
        for (name, _, px) in stats {
            let png = std::fs::read(review_dir.join(format!("{name}.png"))).unwrap_or_default();
            out.push(ViewRender {
                name,
                seed: seed_report.seed,
                png,
                visibility: visibility(px),
            });
        }
        if i == 0 {
            for (name, file) in crate::agents::llm::reviewer::SHEET_NAMES.iter().zip([
                crate::render::media::CONTACT_SHEET_FILE.to_string(),
                format!("solution_{}", crate::render::media::CONTACT_SHEET_FILE),
            ]) {
                if let Ok(png) = std::fs::read(seed_dir.join(file)) {
                    out.push(ViewRender {
                        name: (*name).to_string(),
                        seed: seed_report.seed,
                        png,
                        visibility: RoleVisibility::default(),
                    });
                }
            }
        }
    }
    out
}
