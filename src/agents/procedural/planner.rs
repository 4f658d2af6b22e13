//! The procedural Planner: reads the theme's typed [`Intent`] with the documented grammar,
//! refuses what the archetypes cannot embody as stated (one line naming what is missing),
//! picks the archetype the intent decides, and writes the typed plan with every stated fact
//! pinned exactly.

use async_trait::async_trait;

use super::archetypes::{self, Archetype, Axis};
use super::theme::{self, Read};
use crate::agents::{AgentError, Answer, PlanRequest, Planner};
use crate::intent::{
    self, AttributeKind, DimensionKind, Direction, ElementKind, Intent, IntentError, PayloadKind,
    Relation,
};
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

/// Highest rise the lift (`motor_lift`) is built for, in metres.
pub const MAX_LIFT_M: f64 = 0.6;
/// Smallest ball radius the lift's platform fits under between the start rails, in metres
/// (a ball 20 mm in diameter).
pub const MIN_LIFT_BALL_RADIUS_M: f64 = 0.01;

/// True when the theme asks the payload to rise (a stated rise, or "up"/"lift").
fn rises(intent: &Intent) -> bool {
    intent.displacement.direction == Some(Direction::Up) || intent.displacement.rise_m.is_some()
}

/// True when the theme moves the payload off something (a ledge, a shelf).
fn pushes_off(intent: &Intent) -> bool {
    intent.relations.iter().any(|r| r.relation == Relation::Off)
}

/// Longest standing cylinder, as a multiple of its radius, that lands upright on its start
/// support; a longer one is refused (or capped, when deviations are allowed).
pub const MAX_CYLINDER_ASPECT: f64 = 2.2;

/// What the procedural archetypes can build today, for refusal lines.
pub const AVAILABLE: &str = "solver-built ramps and chutes, a motorized lift onto a higher shelf (balls), a motorized pusher off a ledge, gaps between decks, walls with a window, shelves and plateaus reached from above, shields, straight corridors, speed bumps, low gates, fixed rings on posts, hinged flaps, bins; one ball, cube, box, block, cylinder or puck";

/// How the procedural Planner may treat a theme's stated facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanOptions {
    /// When true, a fact the archetypes cannot keep exactly (today: a standing cylinder too
    /// tall to stay upright) is changed and listed in the plan's deviations instead of
    /// refused. False by default.
    pub allow_deviations: bool,
}

/// The procedural Planner (deviations not allowed).
#[derive(Debug, Clone, Default)]
pub struct ProceduralPlanner;

/// The procedural Planner with explicit [`PlanOptions`].
#[derive(Debug, Clone, Default)]
pub struct ConfiguredPlanner {
    /// The options every plan is made with.
    pub options: PlanOptions,
}

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

#[async_trait]
impl Planner for ConfiguredPlanner {
    fn backend(&self) -> String {
        "procedural".to_string()
    }

    async fn plan(&self, request: PlanRequest) -> Result<Answer<PlanOutcome>, AgentError> {
        let (outcome, entry) = plan_theme_with(&request, &self.options);
        Ok(Answer::free(outcome, vec![entry]))
    }
}

/// Plans (or refuses) the request's theme with deviations not allowed; also returns the
/// journal entry of the step.
pub fn plan_theme(request: &PlanRequest) -> (PlanOutcome, JournalEntry) {
    plan_theme_with(request, &PlanOptions::default())
}

/// Plans (or refuses) the request's theme with `options`.
pub fn plan_theme_with(
    request: &PlanRequest,
    options: &PlanOptions,
) -> (PlanOutcome, JournalEntry) {
    let step = format!("plan attempt {}", request.attempt);
    let purpose = "read the theme's intent and embody every stated fact, or refuse".to_string();
    let refuse = |code: RefusalCode, reason: String| {
        let entry = JournalEntry::new(
            Role::Planner,
            step.clone(),
            purpose.clone(),
            format!("refused ({code}): {reason}"),
            "a benchmark that does not embody its theme is worse than none",
        );
        (
            PlanOutcome::Refused(Refusal {
                theme: request.theme.clone(),
                code,
                reason,
            }),
            entry,
        )
    };
    let intent = match intent::parse(&request.theme) {
        Ok(i) => i,
        Err(e) => {
            let (code, reason) = intent_refusal(&e);
            return refuse(code, reason);
        }
    };
    let archetype = match archetype_for(&intent, options) {
        Ok(a) => a,
        Err((code, reason)) => return refuse(code, reason),
    };
    let read = theme::read(&request.theme);
    let plan = build_plan_for(
        &request.theme,
        &read,
        &intent,
        archetype,
        request.attempt,
        LayoutDraw::new(request),
        options,
    );
    let entry = JournalEntry::new(
        Role::Planner,
        step,
        purpose,
        format!(
            "intent: {}; archetype `{}`; payload {} {}; {} randomized parameters; difficulty {:.2}",
            intent.describe().join("; "),
            archetype.id,
            plan.payload.material.name(),
            plan.payload.shape.describe(),
            plan.parameters.len(),
            plan.difficulty.score
        ),
        if request.attempt > 1 {
            format!(
                "re-planned after the review ({}): narrowed the unstated ranges",
                request.comments.join(" / ")
            )
        } else {
            "every stated number is pinned exactly; only what the theme left open varies per seed"
                .to_string()
        },
    );
    (PlanOutcome::Planned(plan), entry)
}

/// The refusal code and line of a theme the grammar could not read.
pub fn intent_refusal(e: &IntentError) -> RefusalLine {
    let code = match e {
        IntentError::NoUnit { .. } | IntentError::Unplaced { .. } => RefusalCode::UnplacedNumber,
        IntentError::UnknownMaterial { .. } => RefusalCode::NeedsCapability,
        IntentError::Empty | IntentError::VagueMaterial { .. } | IntentError::BothDirections => {
            RefusalCode::Ambiguous
        }
    };
    (code, e.to_string())
}

fn needs(what: impl std::fmt::Display) -> RefusalLine {
    (
        RefusalCode::NeedsCapability,
        format!("needs {what}; available: {AVAILABLE}"),
    )
}

/// A refusal's code and its one-line reason.
pub type RefusalLine = (RefusalCode, String);

/// The payload as the intent states it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatedPayload {
    /// Shape and exact size.
    pub shape: PayloadShape,
    /// True when the theme stated a size or mass (so the size factor is pinned to 1).
    pub stated: bool,
    /// The deviation made from a stated fact, when deviations are allowed.
    pub deviation: Option<String>,
}

/// The payload the intent states, as planned (exact sizes), or why it cannot be built.
pub fn payload_shape(intent: &Intent, options: &PlanOptions) -> Result<StatedPayload, RefusalLine> {
    let p = &intent.payload;
    let kind = p.kind.unwrap_or(PayloadKind::Ball);
    let material = p.material.unwrap_or(Material::Abs);
    let density = material.properties().density_kg_per_m3;
    let dim = |k| p.dimension(k);
    let radius = dim(DimensionKind::Radius).or(dim(DimensionKind::Diameter).map(|d| d / 2.0));
    let stated = !p.dimensions.is_empty() || p.mass_kg.is_some();
    let mut deviation = None;
    use std::f64::consts::PI;
    let shape = match kind {
        PayloadKind::Ball => {
            let r = radius
                .or(p.mass_kg.map(|m| (3.0 * m / (4.0 * PI * density)).cbrt()))
                .unwrap_or(0.03);
            PayloadShape::Sphere { radius_m: r }
        }
        PayloadKind::Cube | PayloadKind::Box | PayloadKind::Block => {
            let (l, w, h) = (
                dim(DimensionKind::Length),
                dim(DimensionKind::Width),
                dim(DimensionKind::Height),
            );
            match (dim(DimensionKind::Edge), l, w, h) {
                (Some(e), None, None, None) => PayloadShape::Box { size_m: [e; 3] },
                (None, Some(l), Some(w), Some(h)) => PayloadShape::Box { size_m: [l, w, h] },
                (None, None, None, None) => {
                    let e = p.mass_kg.map(|m| (m / density).cbrt()).unwrap_or(0.05);
                    PayloadShape::Box { size_m: [e; 3] }
                }
                _ => {
                    return Err((
                        RefusalCode::Ambiguous,
                        format!(
                            "a {} needs one edge or three sizes (x × y × z)",
                            kind.noun()
                        ),
                    ))
                }
            }
        }
        PayloadKind::Cylinder | PayloadKind::Puck => {
            let length = dim(DimensionKind::Length)
                .or(dim(DimensionKind::Height))
                .or(dim(DimensionKind::Thickness));
            let (r, l) = match (radius, length) {
                (Some(r), Some(l)) => (r, l),
                (Some(r), None) if kind == PayloadKind::Puck => (r, 0.8 * r),
                (Some(r), None) => (r, 2.0 * r),
                (None, Some(l)) => (l / 2.0, l),
                (None, None) => {
                    let r = p
                        .mass_kg
                        .map(|m| (m / (2.0 * PI * density)).cbrt())
                        .unwrap_or(0.025);
                    (
                        r,
                        if kind == PayloadKind::Puck {
                            0.8 * r
                        } else {
                            2.0 * r
                        },
                    )
                }
            };
            let mut l = l;
            if l > MAX_CYLINDER_ASPECT * r + 1e-12 {
                if !options.allow_deviations {
                    return Err(needs(format!(
                        "a {} laid on its side: a standing {} {:.0} mm long and {:.0} mm in diameter topples (at most {MAX_CYLINDER_ASPECT} × its radius stands)",
                        kind.noun(),
                        kind.noun(),
                        l * 1e3,
                        2.0 * r * 1e3
                    )));
                }
                deviation = Some(format!(
                    "the {}'s length {:.0} mm was capped to {:.0} mm ({MAX_CYLINDER_ASPECT} × radius): a taller one topples off its start support",
                    kind.noun(),
                    l * 1e3,
                    MAX_CYLINDER_ASPECT * r * 1e3
                ));
                l = MAX_CYLINDER_ASPECT * r;
            }
            PayloadShape::Cylinder {
                radius_m: r,
                length_m: l,
            }
        }
        PayloadKind::Rod | PayloadKind::Peg => {
            return Err(needs(format!(
            "a {} laid along its axis (a rod or peg payload lying down, or a bored hole for it)",
            kind.noun()
        )))
        }
        PayloadKind::Ring => return Err(needs("a ring payload (a compound body with a hole)")),
    };
    if let (Some(kg), true) = (p.mass_kg, !p.dimensions.is_empty()) {
        let volume = match shape {
            PayloadShape::Sphere { radius_m } => 4.0 / 3.0 * PI * radius_m.powi(3),
            PayloadShape::Box { size_m } => size_m[0] * size_m[1] * size_m[2],
            PayloadShape::Cylinder { radius_m, length_m } => PI * radius_m * radius_m * length_m,
        };
        let mass = volume * density;
        if (mass - kg).abs() > 0.02 * kg {
            return Err((
                RefusalCode::Contradictory,
                format!(
                    "a {} {} of those sizes weighs {mass:.3} kg, not the stated {kg:.3} kg",
                    material.name(),
                    kind.noun()
                ),
            ));
        }
    }
    Ok(StatedPayload {
        shape,
        stated,
        deviation,
    })
}

/// The archetype that embodies `intent`, or the refusal line naming what is missing.
pub fn archetype_for(
    intent: &Intent,
    options: &PlanOptions,
) -> Result<&'static Archetype, RefusalLine> {
    let p = &intent.payload;
    // A named mechanism the archetypes do not have decides the refusal first.
    for e in &intent.elements {
        let missing = match e.kind {
            ElementKind::Staircase => Some("a staircase"),
            ElementKind::Lever => Some("a lever on a fulcrum"),
            ElementKind::Gear => Some("a gear mechanism"),
            ElementKind::Conveyor => Some("a conveyor"),
            ElementKind::Spiral => Some("a spiral ramp"),
            ElementKind::Funnel => Some("a funnel"),
            ElementKind::Pulley => Some("a pulley"),
            ElementKind::Spring => Some("a spring"),
            ElementKind::Catapult => Some("a catapult or flipper"),
            ElementKind::Hole => Some("a peg and a bored hole with clearance"),
            ElementKind::Motor if !rises(intent) => Some("a motor that does something other than lift the payload (the one motorized archetype is a lift; scripts may use joint motors: the llm Coder can)"),
            ElementKind::BentCorridor => Some("a corridor with bends the payload follows"),
            _ => None,
        };
        if let Some(m) = missing {
            return Err(needs(m));
        }
    }
    // Then contradictions: a payload that cannot fit its stated container.
    let shape = payload_shape(intent, options)?.shape;
    let extent = 2.0 * shape.max_half_extent_m();
    for e in &intent.elements {
        if let Some(size) = e.attribute(AttributeKind::Size) {
            if matches!(
                e.kind,
                ElementKind::Bin | ElementKind::Cup | ElementKind::Hole
            ) && extent >= size
            {
                return Err((
                    RefusalCode::Contradictory,
                    format!("the payload ({extent:.3} m across) cannot fit into a {} {size:.3} m across", e.kind.name()),
                ));
            }
        }
    }
    if p.count != 1 {
        return Err(needs("several payloads, each with its own goal"));
    }
    let half = shape.max_half_extent_m();
    if !(MIN_PAYLOAD_HALF_M..=MAX_PAYLOAD_HALF_M).contains(&half) {
        return Err((
            RefusalCode::Unsolvable,
            format!(
                "a payload {:.4} m across is outside the bench scale ({:.3} to {:.2} m)",
                2.0 * half,
                2.0 * MIN_PAYLOAD_HALF_M,
                2.0 * MAX_PAYLOAD_HALF_M
            ),
        ));
    }
    if intent
        .relations
        .iter()
        .any(|r| r.relation == Relation::Around)
    {
        return Err(needs("a ring payload that can go around a post"));
    }
    let d = &intent.displacement;
    if let Some(rise) = d.rise_m.filter(|r| *r > MAX_LIFT_M) {
        return Err((
            RefusalCode::Unsolvable,
            format!("a rise of {rise:.2} m is beyond the lift's reach here (at most {MAX_LIFT_M:.1} m: the reference must raise the payload and let it settle within the 10 s run)"),
        ));
    }
    for (what, v, max) in [
        ("horizontal distance", d.horizontal_m, MAX_DISTANCE_M),
        ("drop", d.drop_m, MAX_HEIGHT_M),
        ("free fall", d.fall_m, MAX_HEIGHT_M),
    ] {
        if let Some(v) = v.filter(|v| *v > max) {
            return Err((
                RefusalCode::Unsolvable,
                format!("a {what} of {v:.2} m is beyond what a passive solution can span here (at most {max:.1} m)"),
            ));
        }
    }
    for e in &intent.elements {
        for a in &e.attributes {
            if a.kind == AttributeKind::Angle && (a.value <= 2.0 || a.value >= 80.0) {
                return Err((
                    RefusalCode::Contradictory,
                    format!(
                        "a {} at {}° cannot carry a payload under gravity alone (use 3° to 75°)",
                        e.kind.name(),
                        a.value
                    ),
                ));
            }
            let too_far = matches!(a.kind, AttributeKind::Width | AttributeKind::Length)
                && a.value > MAX_DISTANCE_M;
            let too_high = a.kind == AttributeKind::Height && a.value > MAX_HEIGHT_M;
            if too_far || too_high {
                return Err((
                    RefusalCode::Unsolvable,
                    format!(
                        "a {} {} of {:.2} m is beyond what a passive solution can span here",
                        e.kind.name(),
                        a.kind.name(),
                        a.value
                    ),
                ));
            }
        }
    }
    // The intent decides the archetype: its one obstacle.
    let picks: Vec<(&str, ElementKind)> = intent
        .elements
        .iter()
        .filter_map(|e| {
            let id = match e.kind {
                ElementKind::Gap | ElementKind::Deck => "gap_crossing",
                ElementKind::Window | ElementKind::Wall => "wall_window",
                ElementKind::Shield => "shielded_lower_bin",
                ElementKind::Ring | ElementKind::Post => "post_ring",
                ElementKind::Flap => "hinged_flap",
                ElementKind::LowGate => "low_gate",
                ElementKind::SpeedBump => "speed_bump",
                ElementKind::Corridor => "staggered_corridor",
                ElementKind::Plateau | ElementKind::Slope => "slope_climb",
                ElementKind::Shelf | ElementKind::Ledge if pushes_off(intent) => "ledge_pusher",
                ElementKind::Shelf | ElementKind::Ledge if rises(intent) => "motor_lift",
                ElementKind::Shelf | ElementKind::Ledge => "shelf_lift",
                ElementKind::Motor => "motor_lift",
                ElementKind::Deflector => "deflector_side_bin",
                _ => return None,
            };
            Some((id, e.kind))
        })
        .collect();
    let mut ids: Vec<&str> = picks.iter().map(|(id, _)| *id).collect();
    ids.dedup();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > 1 {
        let names: Vec<&str> = picks.iter().map(|(_, k)| k.name()).collect();
        return Err(needs(format!(
            "a layout combining {}; each procedural archetype holds one obstacle",
            names.join(" and ")
        )));
    }
    let id = match ids.first() {
        Some(id) => *id,
        None => {
            let task = d.horizontal_m.is_some()
                || d.drop_m.is_some()
                || d.fall_m.is_some()
                || d.direction.is_some()
                || !intent.relations.is_empty()
                || intent.has(ElementKind::Ramp);
            if !task && p.kind.is_none() {
                return Err(no_payload());
            }
            if !task {
                return Err((
                    RefusalCode::Ambiguous,
                    "the theme states no task; say where the payload must go (into a bin, onto a shelf, across a gap, 1 m sideways...)".into(),
                ));
            }
            if pushes_off(intent) {
                return Err(needs(
                    "a ledge or shelf to push the payload off: say which (\"off a ledge\")",
                ));
            }
            if rises(intent) {
                "motor_lift"
            } else {
                "sideways_move"
            }
        }
    };
    if rises(intent) && id != "motor_lift" {
        return Err(needs(format!(
            "a lift combined with a {}: the payload must rise, and the one archetype that lifts (`motor_lift`) holds only its shelf",
            picks.first().map_or("task", |(_, k)| k.name())
        )));
    }
    if id == "post_ring" && !intent.has(ElementKind::Ring) {
        return Err(needs(
            "a free-standing post (the only post holds a ring to pass through)",
        ));
    }
    let archetype = archetypes::by_id(id).ok_or_else(|| needs(format!("the archetype {id}")))?;
    // A box or cylinder slides down the steep drop before a bend too fast to stay flat: it
    // tumbled on about 40 % of in-range seeds (`every_archetype_is_worth_solving_on_8_seeds`
    // with BF_PAYLOAD), so its benchmark would be refused as fragile after the work.
    if archetype.bends() && !matches!(shape, PayloadShape::Sphere { .. }) {
        return Err(needs(format!(
            "a {} that stays upright down the steep drop before the `{}` path's bend (it tumbles on about 40 % of seeds; a straight path, which it could follow, is solved by the naive chute); ask for a ball",
            shape.noun(),
            archetype.id
        )));
    }
    // Rapier's contact between a standing cylinder and the ledge's box kept contact points
    // at the edge after the cylinder had left it: a pushed cylinder hung in the air past the
    // edge (1 of 8 seeds of "push a 40 mm steel cylinder … off a shelf").
    if archetype.id == "ledge_pusher" && matches!(shape, PayloadShape::Cylinder { .. }) {
        return Err(needs(
            "a pushed cylinder that leaves the ledge: the physics engine's cylinder-on-box contact held a pushed standing cylinder in the air past the edge; ask for a ball or a block",
        ));
    }
    if archetype.id == "motor_lift" {
        let PayloadShape::Sphere { radius_m } = shape else {
            return Err(needs(format!(
                "a lift for a {}: the lift's leaning platform rolls a ball off onto the shelf; a {} would need a pusher; ask for a ball",
                shape.noun(),
                shape.noun()
            )));
        };
        if intent.displacement.fall_m.is_some() {
            return Err(needs(
                "a stated free fall in a lift: the ball starts resting on the rails",
            ));
        }
        if radius_m < MIN_LIFT_BALL_RADIUS_M {
            return Err(needs(format!(
                "a lift for a ball {:.3} m in diameter: the lift's platform runs between the start rails under the ball, which needs a ball at least {:.3} m in diameter",
                2.0 * radius_m,
                2.0 * MIN_LIFT_BALL_RADIUS_M
            )));
        }
    }
    // Every relation must be one the archetype's reference solution really performs.
    for r in &intent.relations {
        let goal_on_ramp = r.goal && r.relation == Relation::Onto && r.element == ElementKind::Ramp;
        if goal_on_ramp || !archetype.performs(r.relation, r.element) {
            return Err(needs(format!(
                "a layout where the payload goes {} the {} (the `{}` archetype has it go {})",
                r.relation.name(),
                r.element.name(),
                archetype.id,
                archetype
                    .relations
                    .iter()
                    .map(|(rel, el)| format!("{} the {}", rel.name(), el.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    // Every stated attribute and material must be one the archetype keeps exactly.
    for e in &intent.elements {
        for a in &e.attributes {
            // A ramp's or deflector's angle is the solver's path angle in every archetype.
            let path_angle = archetype.rides_chute()
                && matches!(e.kind, ElementKind::Ramp | ElementKind::Deflector)
                && a.kind == AttributeKind::Angle;
            if path_angle && d.drop_m.is_some() {
                return Err(needs(
                    "a layout that derives its run from a stated drop and a stated ramp angle together",
                ));
            }
            let kept = path_angle
                || archetype
                    .stated
                    .iter()
                    .any(|(k, at, _)| *k == e.kind && *at == a.kind);
            if !kept {
                return Err(needs(format!(
                    "a {} of a stated {} ({}) kept exactly; the `{}` archetype cannot",
                    e.kind.name(),
                    a.kind.name(),
                    a.value,
                    archetype.id
                )));
            }
        }
        if let Some(m) = e.material {
            let built = archetype
                .materials
                .iter()
                .find(|(k, _)| *k == e.kind)
                .map(|(_, m)| *m);
            if built != Some(m) {
                return Err(needs(format!(
                    "a {} {} (the `{}` archetype builds it of {})",
                    m.name(),
                    e.kind.name(),
                    archetype.id,
                    built.map_or("nothing stated", Material::name)
                )));
            }
        }
        if e.kind == ElementKind::ForbidZone && !archetype.has_forbid_zone {
            return Err(needs(format!(
                "a forbid zone in the `{}` layout",
                archetype.id
            )));
        }
    }
    if (d.horizontal_m.is_some() || d.drop_m.is_some()) && archetype.id != "sideways_move" {
        return Err(needs(format!(
            "a stated net {} kept exactly in a layout with a {}",
            if d.drop_m.is_some() {
                "drop"
            } else {
                "horizontal distance"
            },
            picks.first().map_or("task", |(_, k)| k.name())
        )));
    }
    // A sliding payload needs a slope steeper than friction.
    if !matches!(shape, PayloadShape::Sphere { .. }) {
        let mu = (p.material.unwrap_or(Material::Abs).properties().friction + 0.25) / 2.0;
        let min = mu.atan().to_degrees() + 3.0;
        for e in &intent.elements {
            if let Some(a) = e.attribute(AttributeKind::Angle).filter(|a| *a < min) {
                return Err((
                    RefusalCode::Contradictory,
                    format!(
                        "a {} at {a}° is too shallow for a {} {} to slide (at least {min:.0}°)",
                        e.kind.name(),
                        p.material.unwrap_or(Material::Abs).name(),
                        shape.noun()
                    ),
                ));
            }
        }
    }
    Ok(archetype)
}

fn no_payload() -> RefusalLine {
    (
        RefusalCode::Ambiguous,
        "the theme names no payload and no task; say what must move (a ball, cube, box, block, cylinder or puck) and where it must go".into(),
    )
}

/// The theme's value for an archetype parameter, if the theme stated one.
fn stated_value(intent: &Intent, archetype: &Archetype, name: &str) -> Option<f64> {
    archetype
        .stated
        .iter()
        .filter(|(_, _, p)| *p == name)
        .find_map(|(k, a, _)| intent.element(*k).and_then(|e| e.attribute(*a)))
        .or(match name {
            "rise_m" => intent.displacement.rise_m,
            "distance_m" => intent.displacement.horizontal_m,
            "net_drop_m" => intent.displacement.drop_m,
            _ => None,
        })
}

fn pinned(name: &str, description: &str, unit: &str, value: f64) -> ParameterRange {
    ParameterRange {
        name: name.to_string(),
        description: format!("{description} (stated by the theme: kept exactly)"),
        unit: unit.to_string(),
        nominal: value,
        min: value,
        max: value,
    }
}

/// Builds the plan of `archetype` for the theme (the theme's intent parsed again; a theme
/// the grammar cannot read gets an intent with only its words' payload defaults).
pub fn build_plan(theme: &str, read: &Read, archetype: &'static Archetype, attempt: u32) -> Plan {
    let intent = intent::parse(theme).unwrap_or_else(|_| Intent {
        theme: theme.to_string(),
        payload: intent::PayloadIntent {
            count: 1,
            kind: Some(PayloadKind::Ball),
            material: None,
            dimensions: Vec::new(),
            mass_kg: None,
        },
        displacement: Default::default(),
        relations: Vec::new(),
        elements: Vec::new(),
        numbers: Vec::new(),
    });
    build_plan_for(
        theme,
        read,
        &intent,
        archetype,
        attempt,
        LayoutDraw::new(&PlanRequest::new(theme)),
        &PlanOptions::default(),
    )
}

/// The values a session of a theme draws its layout from: the archetype's nominal values
/// for the first benchmark of a theme the dataset does not hold yet; for any other, a
/// nominal drawn (from the benchmark's id) in the archetype's range and a window half as
/// wide around it, kept inside that range. So the benchmarks of one theme, from one run or
/// several, are different tasks, each within what the archetype was tuned for.
pub struct LayoutDraw {
    rng: Option<crate::rng::SeededRng>,
}

impl LayoutDraw {
    /// The draw of the benchmark `request` plans.
    pub fn new(request: &PlanRequest) -> Self {
        let nominal = request.index == 0 && request.siblings.is_empty();
        let rng = (!nominal).then(|| {
            let key = crate::variant::seed_stream(&format!(
                "{}#{}#{}",
                request.theme, request.benchmark_id, request.index
            ));
            crate::rng::SeededRng::new(key, crate::rng::stream::PLAN_LAYOUT)
        });
        Self { rng }
    }

    /// The range of an unstated parameter nominally `nominal` ± `spread` (relative).
    fn range(
        &mut self,
        name: &str,
        description: &str,
        unit: &str,
        nominal: f64,
        spread: f64,
    ) -> ParameterRange {
        let full = ParameterRange::around(name, description, unit, nominal, spread);
        let Some(rng) = self.rng.as_mut() else {
            return full;
        };
        let drawn = nominal * (1.0 + rng.uniform(-spread / 2.0, spread / 2.0));
        let window = ParameterRange::around(name, description, unit, drawn, spread / 2.0);
        ParameterRange {
            min: window.min.max(full.min),
            max: window.max.min(full.max),
            ..window
        }
    }
}

/// Builds the plan of `archetype` for `intent`: stated facts pinned exactly, the rest
/// randomized.
pub fn build_plan_for(
    theme: &str,
    read: &Read,
    intent: &Intent,
    archetype: &'static Archetype,
    attempt: u32,
    mut draw: LayoutDraw,
    options: &PlanOptions,
) -> Plan {
    let StatedPayload {
        shape,
        stated: stated_size,
        deviation,
    } = payload_shape(intent, options).unwrap_or(StatedPayload {
        shape: PayloadShape::Sphere { radius_m: 0.03 },
        stated: false,
        deviation: None,
    });
    let deviations: Vec<String> = deviation.into_iter().collect();
    // A payload resting on the archetype's own support (the lift's rails) keeps its size,
    // which sets how high it rests and so the stated rise, and starts in the rails' groove.
    let own_support = !archetype.rides_chute();
    let payload = PayloadPlan {
        shape,
        material: intent.payload.material.unwrap_or(Material::Abs),
        size_factor_range: if stated_size || own_support {
            [1.0, 1.0]
        } else {
            [0.9, 1.1]
        },
        start_m: [0.0, 0.0, 0.0],
        // The start jitter is 15 % of the payload's largest full size per axis, so 8 seeds
        // move the start measurably (the variation check wants 10 % of that size).
        jitter_m: {
            let j = 0.3 * shape.max_half_extent_m();
            [j, if own_support { 0.0 } else { j }, 0.0]
        },
    };
    let narrowing = if attempt > 1 { 0.5 } else { 1.0 };
    let mut parameters = Vec::new();
    let mut reasons = Vec::new();
    let mut difficulty = archetype.base_difficulty;
    reasons.push(format!(
        "archetype `{}` starts at {:.2}",
        archetype.id, archetype.base_difficulty
    ));
    // The path angle: a ball rolls at any slope; a box or cylinder must slide, so its slope
    // must beat friction with margin. A stated ramp angle is the path's, exactly.
    let sphere = matches!(payload.shape, PayloadShape::Sphere { .. });
    let stated_angle = intent
        .elements
        .iter()
        .filter(|e| matches!(e.kind, ElementKind::Ramp | ElementKind::Deflector))
        .find_map(|e| e.attribute(AttributeKind::Angle));
    let angle = match stated_angle {
        // A solution of its own (a lift) has no path angle and no drop onto a path.
        _ if !archetype.rides_chute() => 0.0,
        Some(a) => {
            parameters.push(pinned(
                "path_angle_deg",
                "slope of the path from start to goal (sets the start height)",
                "deg",
                a,
            ));
            a
        }
        None => {
            let (a, spread) = if sphere && archetype.id == "sideways_move" {
                (11.0, 0.12)
            } else if sphere {
                (17.0, 0.15)
            } else {
                let mu = (payload.material.properties().friction + 0.25) / 2.0;
                ((mu.atan().to_degrees() + 14.0).min(50.0), 0.05)
            };
            let range = draw.range(
                "path_angle_deg",
                "slope of the path from start to goal (sets the start height)",
                "deg",
                a,
                spread * narrowing,
            );
            let drawn = range.nominal;
            parameters.push(range);
            drawn
        }
    };
    let fall = intent.displacement.fall_m;
    if let Some(d) = fall {
        parameters.push(pinned(
            "fall_m",
            "free fall from the payload's start to its first contact with the path",
            "m",
            d,
        ));
    }
    if archetype.rides_chute() {
        parameters.push(ParameterRange {
            name: "drop_m".into(),
            description: "free fall from the payload's start to the path".into(),
            unit: "m".into(),
            nominal: 0.002,
            min: 0.0,
            max: 0.004,
        });
    }
    let mut pin_x = false;
    let mut pin_z = false;
    for spec in archetype.params {
        match stated_value(intent, archetype, spec.name) {
            Some(v) => {
                parameters.push(pinned(spec.name, spec.description, spec.unit, v));
                match spec.axis {
                    Axis::X => pin_x = true,
                    Axis::Z => pin_z = true,
                    _ => {}
                }
            }
            None => parameters.push(draw.range(
                spec.name,
                spec.description,
                spec.unit,
                spec.nominal,
                spec.spread * narrowing,
            )),
        }
    }
    if let (Some(drop), true) = (intent.displacement.drop_m, archetype.id == "sideways_move") {
        parameters.push(pinned(
            "net_drop_m",
            "net drop of the payload from its start to its rest in the bin",
            "m",
            drop,
        ));
    }
    let scale_ranges = ScaleRanges {
        // Lengths shrink at most to 0.8 (a shorter run leaves no room to bend the path
        // before a portal) and grow at most to 1.5 (a longer steep drop makes the payload
        // fast enough to hop at the bend).
        x: if pin_x { [1.0, 1.0] } else { [0.8, 1.5] },
        // Widths follow the payload's size, not the scale.
        y: [1.0, 1.0],
        // An archetype without heights of its own has nothing for a z scale to change.
        z: if pin_z || !archetype.params.iter().any(|p| p.axis == Axis::Z) {
            [1.0, 1.0]
        } else {
            [0.5, 2.0]
        },
    };
    for d in &deviations {
        reasons.push(format!("deviation: {d}"));
    }
    let half = payload.shape.max_half_extent_m();
    if !sphere && archetype.rides_chute() {
        difficulty += 0.1;
        reasons.push(format!(
            "a {} slides and can tumble; its path must be steep ({angle:.0}°)",
            payload.shape.noun()
        ));
    }
    if let Some(d) = fall {
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
        if archetype.rides_chute() {
            "build only inside the build zone, using gravity alone".to_string()
        } else {
            "build only inside the build zone; a joint motor may supply the energy (the energy gate counts its work)".to_string()
        },
    ];
    for r in &intent.relations {
        objectives.push(format!(
            "{}: the payload goes {} the {}",
            if r.goal { "goal" } else { "on the way" },
            r.relation.name(),
            r.element.name()
        ));
    }
    if archetype.has_forbid_zone {
        objectives.push("never let the payload's centre enter a forbid zone".to_string());
    }
    let fixtures = Vec::new();
    let todo = vec![
        TodoItem {
            owner: Role::Coder,
            text: format!(
                "build the `{}` layout with every parameter drawn in its range and every stated one exact",
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
            text: "every gate, fidelity included, passes on every seed of the theme with sampled scales".into(),
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
        intent: intent.clone(),
        allow_deviations: options.allow_deviations,
        deviations,
        reading: read.reading.clone(),
        payload,
        fixtures,
        joints: Vec::new(),
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
    let parts = |label: &str| {
        archetype
            .parts
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, p)| p.to_string())
    };
    plan.take_layout(&scene, &parts);
}
