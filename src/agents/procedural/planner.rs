//! The procedural Planner: reads the theme, refuses what cannot be built (with a reason
//! code), picks and parameterises an archetype, and writes the typed plan.

use async_trait::async_trait;

use super::archetypes::{self, Archetype, Axis, ParamSpec, CATALOG, GENERIC_ID};
use super::theme::{self, Read};
use crate::agents::{AgentError, Answer, PlanRequest, Planner};
use crate::journal::JournalEntry;
use crate::plan::{
    Difficulty, ForbidPlan, ParameterRange, PayloadPlan, PayloadShape, Plan, PlanOutcome, Refusal,
    RefusalCode, Role, TodoItem, ZonesPlan,
};
use crate::scene::{Aabb, Material};
use crate::variant::ScaleRanges;

/// Largest payload half size the archetypes are built for, in metres.
pub const MAX_PAYLOAD_HALF_M: f64 = 0.25;
/// Smallest payload half size that does not tunnel through thin parts, in metres.
pub const MIN_PAYLOAD_HALF_M: f64 = 0.005;
/// Longest horizontal distance or gap a scene is built for, in metres.
pub const MAX_DISTANCE_M: f64 = 3.0;
/// Highest height a scene is built for, in metres.
pub const MAX_HEIGHT_M: f64 = 1.5;

/// Longest standing cylinder, as a multiple of its radius, that lands upright on its start
/// support; longer ones are capped (and the plan says so).
pub const MAX_CYLINDER_ASPECT: f64 = 2.2;

/// The procedural Planner.
#[derive(Debug, Clone, Default)]
pub struct ProceduralPlanner;

#[async_trait]
impl Planner for ProceduralPlanner {
    fn backend(&self) -> String {
        "procedural".to_string()
    }

    async fn plan(&self, request: PlanRequest) -> Result<Answer<PlanOutcome>, AgentError> {
        let (outcome, entry) = plan_theme(&request);
        Ok(Answer::free(outcome, vec![entry]))
    }
}

/// Plans (or refuses) the request's theme; also returns the journal entry of the step.
pub fn plan_theme(request: &PlanRequest) -> (PlanOutcome, JournalEntry) {
    let read = theme::read(&request.theme);
    let step = format!("plan attempt {}", request.attempt);
    let intent = "read the theme and turn it into a buildable plan".to_string();
    if let Some((code, reason)) = refusal(&read) {
        let entry = JournalEntry::new(
            Role::Planner,
            step,
            intent,
            format!("refused ({code}): {reason}"),
            "a benchmark that cannot be built honestly is not worth simulating",
        );
        return (
            PlanOutcome::Refused(Refusal {
                theme: request.theme.clone(),
                code,
                reason,
            }),
            entry,
        );
    }
    let (archetype, score) = choose_archetype(&read);
    let plan = build_plan(&request.theme, &read, archetype, request.attempt);
    let entry = JournalEntry::new(
        Role::Planner,
        step,
        intent,
        format!(
            "archetype `{}` (keyword score {score:.1}); payload {} {}; {} randomized parameters; difficulty {:.2}",
            archetype.id,
            plan.payload.material.name(),
            plan.payload.shape.describe(),
            plan.parameters.len(),
            plan.difficulty.score
        ),
        if archetype.id == GENERIC_ID {
            "no archetype matched the theme's words: fell back to the generic carry-past-an-obstacle plan".to_string()
        } else if request.attempt > 1 {
            format!(
                "re-planned after the review ({}): narrowed the parameter ranges",
                request.comments.join(" / ")
            )
        } else {
            "the theme's numbers are pinned; everything else varies per seed".to_string()
        },
    );
    (PlanOutcome::Planned(plan), entry)
}

/// Why the theme cannot be built, if it cannot.
pub fn refusal(read: &Read) -> Option<(RefusalCode, String)> {
    let meaningful = read.words.iter().filter(|w| w.len() > 1).count();
    if meaningful < 2 {
        return Some((
            RefusalCode::Ambiguous,
            "the theme has too few words to tell a task from; name the payload and where it must go"
                .to_string(),
        ));
    }
    let payload_extent = read.payload_size_m.map(|half| {
        if read.reading.shape.as_deref() == Some("box") {
            half
        } else {
            2.0 * half
        }
    });
    if let (Some(extent), Some(container)) = (payload_extent, read.container_size_m) {
        if extent >= container {
            return Some((
                RefusalCode::Contradictory,
                format!(
                    "the payload ({extent:.3} m across) cannot fit into a container {container:.3} m across"
                ),
            ));
        }
    }
    if let Some(half) = read.payload_size_m {
        let half = if read.reading.shape.as_deref() == Some("box") {
            half / 2.0
        } else {
            half
        };
        if half > MAX_PAYLOAD_HALF_M {
            return Some((
                RefusalCode::Unsolvable,
                format!(
                    "a payload {:.2} m across is beyond the bench scale (at most {:.2} m)",
                    2.0 * half,
                    2.0 * MAX_PAYLOAD_HALF_M
                ),
            ));
        }
        if half < MIN_PAYLOAD_HALF_M {
            return Some((
                RefusalCode::Unsolvable,
                format!(
                    "a payload {:.4} m across is too small to simulate reliably (at least {:.3} m)",
                    2.0 * half,
                    2.0 * MIN_PAYLOAD_HALF_M
                ),
            ));
        }
    }
    for q in &read.reading.quantities {
        let too_far =
            matches!(q.context.as_str(), "gap" | "distance") && q.value_m > MAX_DISTANCE_M;
        let too_high = matches!(q.context.as_str(), "height" | "drop") && q.value_m > MAX_HEIGHT_M;
        if too_far || too_high {
            return Some((
                RefusalCode::Unsolvable,
                format!(
                    "a {} of {:.2} m is beyond what a passive solution can span here (at most {:.1} m)",
                    q.context,
                    q.value_m,
                    if too_far { MAX_DISTANCE_M } else { MAX_HEIGHT_M }
                ),
            ));
        }
    }
    if let Some(a) = read
        .reading
        .angles_deg
        .iter()
        .find(|a| **a <= 2.0 || **a >= 80.0)
    {
        return Some((
            RefusalCode::Contradictory,
            format!("a ramp at {a}° cannot carry a payload under gravity alone (use 3° to 75°)"),
        ));
    }
    let ups = read.has_word("up") || read.has_word("uphill");
    let downs = read.has_word("down") || read.has_word("downhill");
    if ups && downs && read.reading.obstacles.is_empty() {
        return Some((
            RefusalCode::Ambiguous,
            "the theme asks for both up and down with nothing to tell which; say where the goal is"
                .to_string(),
        ));
    }
    None
}

/// The best-matching archetype and its keyword score (the generic one when nothing matches).
pub fn choose_archetype(read: &Read) -> (&'static Archetype, f64) {
    let mut best: Option<(&'static Archetype, f64)> = None;
    for a in CATALOG {
        let score: f64 = a
            .keywords
            .iter()
            .filter(|(k, _)| read.has_word(k))
            .map(|(_, w)| *w)
            .sum();
        if score > best.map_or(0.0, |b| b.1) {
            best = Some((a, score));
        }
    }
    best.unwrap_or_else(|| (archetypes::by_id(GENERIC_ID).expect("generic exists"), 0.0))
}

fn payload_from(read: &Read) -> PayloadPlan {
    let material = read.reading.material.unwrap_or(Material::Abs);
    let shape = match read.reading.shape.as_deref() {
        Some("box") => {
            let e = read.payload_size_m.unwrap_or(0.05);
            PayloadShape::Box { size_m: [e; 3] }
        }
        Some("cylinder") => {
            let r = read.payload_size_m.unwrap_or(0.025);
            // A cylinder standing taller than this topples off its start support when it
            // lands; the plan says so when it caps the theme's length.
            let l = read
                .payload_length_m
                .unwrap_or(2.0 * r)
                .min(MAX_CYLINDER_ASPECT * r);
            PayloadShape::Cylinder {
                radius_m: r,
                length_m: l,
            }
        }
        _ => PayloadShape::Sphere {
            radius_m: read.payload_size_m.unwrap_or(0.03),
        },
    };
    PayloadPlan {
        shape,
        material,
        size_factor_range: [0.9, 1.1],
        start_m: [0.0, 0.0, 0.0],
        jitter_m: [0.004, 0.004, 0.0],
    }
}

/// The theme's value for an archetype parameter, if the theme gave one.
fn theme_value(read: &Read, name: &str) -> Option<f64> {
    match name {
        "gap_m" => read.quantity("gap"),
        "shelf_height_m" | "plateau_height_m" => read.quantity("height"),
        "distance_m" | "run_m" => read.quantity("distance"),
        _ => None,
    }
}

fn param(spec: &ParamSpec, nominal: f64, spread: f64) -> ParameterRange {
    ParameterRange::around(spec.name, spec.description, spec.unit, nominal, spread)
}

/// Builds the plan of `archetype` for the theme.
pub fn build_plan(theme: &str, read: &Read, archetype: &'static Archetype, attempt: u32) -> Plan {
    let payload = payload_from(read);
    let narrowing = if attempt > 1 { 0.5 } else { 1.0 };
    let mut parameters = Vec::new();
    let mut reasons = Vec::new();
    let mut difficulty = archetype.base_difficulty;
    reasons.push(format!(
        "archetype `{}` starts at {:.2}",
        archetype.id, archetype.base_difficulty
    ));
    // The path angle: a ball rolls at any slope; a box or cylinder must slide, so its slope
    // must beat friction with margin.
    let sphere = matches!(payload.shape, PayloadShape::Sphere { .. });
    let (angle, angle_spread) = match read.reading.angles_deg.first() {
        Some(a) => (*a, 0.05),
        None if sphere && archetype.id == "sideways_move" => (11.0, 0.12),
        None if sphere => (17.0, 0.15),
        None => {
            let mu = (payload.material.properties().friction + 0.25) / 2.0;
            ((mu.atan().to_degrees() + 14.0).min(50.0), 0.05)
        }
    };
    parameters.push(ParameterRange::around(
        "path_angle_deg",
        "slope of the path from start to goal (sets the start height)",
        "deg",
        angle,
        angle_spread * narrowing,
    ));
    let drop = read.quantity("drop");
    parameters.push(match drop {
        Some(d) => ParameterRange::around(
            "drop_m",
            "free fall from the payload's start to the path",
            "m",
            d,
            0.1 * narrowing,
        ),
        None => ParameterRange {
            name: "drop_m".into(),
            description: "free fall from the payload's start to the path".into(),
            unit: "m".into(),
            nominal: 0.002,
            min: 0.0,
            max: 0.004,
        },
    });
    let mut pin_x = false;
    let mut pin_z = false;
    for spec in archetype.params {
        match theme_value(read, spec.name) {
            Some(v) => {
                parameters.push(param(spec, v, 0.05 * narrowing));
                match spec.axis {
                    Axis::X => pin_x = true,
                    Axis::Z => pin_z = true,
                    _ => {}
                }
            }
            None => parameters.push(param(spec, spec.nominal, spec.spread * narrowing)),
        }
    }
    let scale_ranges = ScaleRanges {
        x: if pin_x { [1.0, 1.0] } else { [0.5, 2.0] },
        // Widths follow the payload's size, not the scale.
        y: [1.0, 1.0],
        z: if pin_z { [1.0, 1.0] } else { [0.5, 2.0] },
    };
    if let (Some(asked), PayloadShape::Cylinder { length_m, .. }) =
        (read.payload_length_m, payload.shape)
    {
        if asked > length_m + 1e-9 {
            reasons.push(format!(
                "the theme's cylinder length {:.0} mm was capped to {:.0} mm ({MAX_CYLINDER_ASPECT} × radius): a taller cylinder topples off its start support",
                asked * 1e3,
                length_m * 1e3
            ));
        }
    }
    let half = payload.shape.max_half_extent_m();
    if !sphere {
        difficulty += 0.1;
        reasons.push(format!(
            "a {} slides and can tumble; its path must be steep ({angle:.0}°)",
            payload.shape.noun()
        ));
    }
    if let Some(d) = drop {
        if d > 0.05 {
            difficulty += 0.1;
            reasons.push(format!(
                "it falls {d:.2} m before it meets the path and bounces on impact"
            ));
        }
    }
    let span = parameters
        .iter()
        .filter(|p| p.name == "gap_m" || p.name == "distance_m" || p.name == "run_m")
        .map(|p| p.nominal)
        .fold(0.0, f64::max);
    if span > 0.0 {
        let ratio = span / (2.0 * half);
        let add = (ratio / 20.0).min(0.15);
        difficulty += add;
        reasons.push(format!(
            "the span is {ratio:.1} payload sizes ({span:.2} m for a {:.3} m payload): +{add:.2}",
            2.0 * half
        ));
    }
    if payload.material.properties().density_kg_per_m3 > 5000.0 {
        difficulty += 0.05;
        reasons.push("a heavy payload carries momentum into the goal bin".to_string());
    }
    if !pin_x || !pin_z {
        difficulty += 0.05;
        reasons
            .push("the layout is rescaled per seed, so no single build fits every variant".into());
    }
    let difficulty = Difficulty {
        score: difficulty.clamp(0.05, 0.95),
        reasons,
    };
    let mut objectives = vec![
        format!(
            "bring the {} {} into the goal bin and keep it there until it rests",
            payload.material.name(),
            payload.shape.noun()
        ),
        "build only inside the build zone, using gravity alone".to_string(),
    ];
    if archetype.fixtures.contains("forbid_zone") {
        objectives.push("never let the payload's centre enter a forbid zone".to_string());
    }
    let fixtures = Vec::new();
    let todo = vec![
        TodoItem {
            owner: Role::Coder,
            text: format!(
                "build the `{}` layout with every parameter drawn in its range",
                archetype.id
            ),
        },
        TodoItem {
            owner: Role::Coder,
            text: "put a support under the payload's start and under the goal bin".into(),
        },
        TodoItem {
            owner: Role::Coder,
            text: format!("write `solve`: {}", archetype.solution_idea),
        },
        TodoItem {
            owner: Role::Simulator,
            text: "every gate passes on 8 seeds with sampled scales".into(),
        },
        TodoItem {
            owner: Role::Reviewer,
            text: "payload, goal and forbid zones are visible in enough views".into(),
        },
        TodoItem {
            owner: Role::Reviewer,
            text: format!("the scene reads as \"{}\"", archetype.title),
        },
    ];
    let zero = Aabb::new([0.0; 3], [0.0; 3]);
    let mut plan = Plan {
        theme: theme.to_string(),
        archetype: archetype.id.to_string(),
        title: archetype.title.to_string(),
        learning_objective: archetype.objective.to_string(),
        reading: read.reading.clone(),
        payload,
        fixtures,
        zones: ZonesPlan {
            bounds: zero,
            goal: zero,
            build: zero,
            forbid: Vec::<ForbidPlan>::new(),
        },
        objectives,
        parameters,
        scale_ranges,
        solution_idea: archetype.solution_idea.to_string(),
        difficulty,
        todo,
    };
    fill_nominal_layout(&mut plan, archetype);
    plan
}

/// Fills the plan's fixtures, zones and payload start with the archetype's layout at the
/// nominal parameters and scale 1, by building the very script the Coder will write with
/// every range pinned to its nominal value (so the plan and the script cannot disagree).
/// Leaves the plan as it is when the nominal script does not build.
pub fn fill_nominal_layout(plan: &mut Plan, archetype: &'static Archetype) {
    let mut pinned = plan.clone();
    for p in &mut pinned.parameters {
        p.min = p.nominal;
        p.max = p.nominal;
    }
    let tuning = super::coder::Tuning::initial(&pinned);
    let source = super::coder::write_script(&pinned, archetype, &tuning, 0);
    let scene = match crate::script::SceneScript::compile(&source)
        .and_then(|s| s.build(0, [1.0, 1.0, 1.0]))
    {
        Ok(scene) => scene,
        Err(e) => {
            tracing::warn!(archetype = archetype.id, error = %e, "nominal layout did not build");
            return;
        }
    };
    plan.payload.start_m = scene.payload.start_m;
    plan.fixtures = scene
        .fixtures
        .iter()
        .map(|f| {
            let b = crate::gates::fixture_world_aabb(f);
            let purpose = archetype
                .parts
                .iter()
                .find(|(l, _)| *l == f.label)
                .map(|(_, p)| p.to_string())
                .unwrap_or_else(|| match f.label.as_str() {
                    "floor" => "the floor everything stands on".to_string(),
                    "start_pad" => "the support the payload starts above".to_string(),
                    "goal_bin" => "the three-walled bin around the goal zone".to_string(),
                    other => other.replace('_', " "),
                });
            crate::plan::FixturePlan {
                label: f.label.clone(),
                purpose,
                material: f.material,
                body: match f.body {
                    crate::scene::BodyKind::Fixed => crate::plan::FixtureBody::Fixed,
                    crate::scene::BodyKind::Dynamic => crate::plan::FixtureBody::Dynamic,
                },
                size_m: b.size_m(),
                center_m: b.center_m(),
            }
        })
        .collect();
    plan.zones = ZonesPlan {
        bounds: scene.bounds,
        goal: scene.goal_zone,
        build: scene.build_zone,
        forbid: scene
            .forbid_zones
            .iter()
            .map(|z| ForbidPlan {
                name: z.name.clone(),
                purpose: match z.name.as_str() {
                    "gap_pit" => "the pit between the decks",
                    "below_spawn" => "the space right under the payload's start",
                    "floor_below_shelf" => "the floor in front of the shelf",
                    "on_shield" => "the top of the shield",
                    "over_gate" => "the space over the gate bar",
                    _ => "a place the payload must not go",
                }
                .to_string(),
                zone: z.zone,
            })
            .collect(),
    };
}
