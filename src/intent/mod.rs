//! The typed intent of a theme: what the user asked for, fact by fact, before any plan.
//!
//! A theme's stated facts are requirements: the payloads (count, shape, dimensions with
//! their meaning, material, mass), the displacement (rise, drop, horizontal distance, free
//! fall, direction), the relations (onto, into, around, through, under, over, across, past,
//! off) and the named elements (wall with a window, shelf, speed bump...). Every number with
//! its unit is accounted for in [`Intent::numbers`]. The procedural backend reads the intent
//! with the documented grammar of [`grammar`]; the LLM backend returns it as JSON and is
//! cross-checked against [`units::numbers`]. Gate 8 (`gates::fidelity`) checks each fact on
//! every seed.

#![warn(missing_docs)]

pub mod grammar;
pub mod materials;
pub mod units;

use serde::{Deserialize, Serialize};

use crate::scene::Material;

pub use grammar::{parse, IntentError};

/// Everything a theme states, typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// The theme as written.
    pub theme: String,
    /// The payload(s).
    pub payload: PayloadIntent,
    /// The required displacement of the payload.
    pub displacement: Displacement,
    /// The relations the payload must have with named elements, in the theme's order.
    pub relations: Vec<RelationIntent>,
    /// The named elements the scene must contain.
    pub elements: Vec<ElementIntent>,
    /// Every number of the theme with its unit and the fact it was placed in.
    pub numbers: Vec<StatedNumber>,
}

/// The payload as stated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayloadIntent {
    /// How many payloads (2 for "two balls"; 0 when the theme says "balls" without a count).
    pub count: u32,
    /// The payload noun, when the theme names one.
    pub kind: Option<PayloadKind>,
    /// The material, when stated.
    pub material: Option<Material>,
    /// The stated dimensions, each with its meaning.
    pub dimensions: Vec<Dimension>,
    /// The stated mass in kilograms.
    pub mass_kg: Option<f64>,
}

impl PayloadIntent {
    /// The stated dimension of `kind`, in metres.
    pub fn dimension(&self, kind: DimensionKind) -> Option<f64> {
        self.dimensions
            .iter()
            .find(|d| d.kind == kind)
            .map(|d| d.value_m)
    }
}

/// The payload nouns of the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadKind {
    /// ball, sphere, marble.
    Ball,
    /// cube.
    Cube,
    /// box, crate.
    Box,
    /// block, brick.
    Block,
    /// cylinder, can.
    Cylinder,
    /// rod, bar stock, dowel.
    Rod,
    /// peg, pin.
    Peg,
    /// puck, disc, disk, coin.
    Puck,
    /// ring, hoop payload, washer.
    Ring,
}

impl PayloadKind {
    /// The payload noun a word (singular or plural) names; `plural` tells which it was.
    pub fn from_word(w: &str) -> Option<(PayloadKind, bool)> {
        let (stem, plural) = match w {
            "boxes" => ("box", true),
            _ if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") => (&w[..w.len() - 1], true),
            _ => (w, false),
        };
        let kind = match stem {
            "ball" | "sphere" | "marble" => PayloadKind::Ball,
            "cube" => PayloadKind::Cube,
            "box" | "crate" => PayloadKind::Box,
            "block" | "brick" => PayloadKind::Block,
            "cylinder" | "can" => PayloadKind::Cylinder,
            "rod" | "dowel" => PayloadKind::Rod,
            "peg" | "pin" => PayloadKind::Peg,
            "puck" | "disc" | "disk" | "coin" => PayloadKind::Puck,
            "ring" | "washer" => PayloadKind::Ring,
            _ => return None,
        };
        Some((kind, plural))
    }

    /// The noun in words.
    pub fn noun(self) -> &'static str {
        match self {
            PayloadKind::Ball => "ball",
            PayloadKind::Cube => "cube",
            PayloadKind::Box => "box",
            PayloadKind::Block => "block",
            PayloadKind::Cylinder => "cylinder",
            PayloadKind::Rod => "rod",
            PayloadKind::Peg => "peg",
            PayloadKind::Puck => "puck",
            PayloadKind::Ring => "ring",
        }
    }

    /// What a single length before the noun means ("a 90 mm ball" is its diameter).
    pub fn default_dimension(self) -> DimensionKind {
        match self {
            PayloadKind::Ball | PayloadKind::Puck => DimensionKind::Diameter,
            PayloadKind::Ring => DimensionKind::OuterDiameter,
            PayloadKind::Cube | PayloadKind::Box | PayloadKind::Block => DimensionKind::Edge,
            PayloadKind::Cylinder | PayloadKind::Rod | PayloadKind::Peg => DimensionKind::Length,
        }
    }
}

/// A stated payload dimension.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    /// What the number measures.
    pub kind: DimensionKind,
    /// The value in metres.
    pub value_m: f64,
}

/// What a payload dimension measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionKind {
    /// Full diameter.
    Diameter,
    /// Radius (half the diameter).
    Radius,
    /// Edge of a cube (all three sides).
    Edge,
    /// Size along x (first of `A x B x C`), or a cylinder's length along its axis.
    Length,
    /// Size along y.
    Width,
    /// Size along z.
    Height,
    /// Thickness of a puck or ring (along its axis).
    Thickness,
    /// Outer diameter of a ring.
    OuterDiameter,
    /// Inner (hole) diameter of a ring.
    InnerDiameter,
}

impl DimensionKind {
    /// The dimension's name in words.
    pub fn name(self) -> &'static str {
        match self {
            DimensionKind::Diameter => "diameter",
            DimensionKind::Radius => "radius",
            DimensionKind::Edge => "edge",
            DimensionKind::Length => "length",
            DimensionKind::Width => "width",
            DimensionKind::Height => "height",
            DimensionKind::Thickness => "thickness",
            DimensionKind::OuterDiameter => "outer diameter",
            DimensionKind::InnerDiameter => "inner diameter",
        }
    }
}

/// Which way the payload must go overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// It must end higher than it starts (lift, raise, climb, up).
    Up,
    /// It must end lower (drop, lower, down).
    Down,
    /// Sideways, along the ground.
    Horizontal,
}

/// The stated displacement of the payload from its start to its final pose.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Displacement {
    /// The direction the theme's verbs give, if any.
    pub direction: Option<Direction>,
    /// Net rise in metres ("250 mm higher").
    pub rise_m: Option<f64>,
    /// Net drop in metres ("300 mm lower").
    pub drop_m: Option<f64>,
    /// Net horizontal distance in metres ("1 m sideways").
    pub horizontal_m: Option<f64>,
    /// Free fall from the start before the first contact, in metres ("drop from 120 mm").
    pub fall_m: Option<f64>,
}

/// A relation between the payload and an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Ends resting on top of it (or, before the goal, lands on it).
    Onto,
    /// Ends inside it.
    Into,
    /// Ends with the element passing through the payload's hole.
    Around,
    /// Passes through its opening.
    Through,
    /// Passes beneath it.
    Under,
    /// Passes above it.
    Over,
    /// Crosses it from one side to the other without falling in.
    Across,
    /// Passes it.
    Past,
    /// Leaves it over its edge.
    Off,
}

impl Relation {
    /// The relation's word.
    pub fn name(self) -> &'static str {
        match self {
            Relation::Onto => "onto",
            Relation::Into => "into",
            Relation::Around => "around",
            Relation::Through => "through",
            Relation::Under => "under",
            Relation::Over => "over",
            Relation::Across => "across",
            Relation::Past => "past",
            Relation::Off => "off",
        }
    }

    /// True for relations judged on the final pose (the goal relations).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Relation::Onto | Relation::Into | Relation::Around | Relation::Off
        )
    }
}

/// One stated relation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RelationIntent {
    /// The relation.
    pub relation: Relation,
    /// The element it refers to.
    pub element: ElementKind,
    /// True for the goal relation (judged on the final pose); false for one on the way.
    pub goal: bool,
}

/// The named elements of the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// A wall.
    Wall,
    /// A window, opening or hole in a wall.
    Window,
    /// A post or pole.
    Post,
    /// A shelf.
    Shelf,
    /// A ledge.
    Ledge,
    /// A corridor or channel (straight).
    Corridor,
    /// A corridor with bends (S-shaped, zigzag, maze).
    BentCorridor,
    /// A speed bump, hump or kerb.
    SpeedBump,
    /// A low gate, bar or beam to pass under.
    LowGate,
    /// A staircase.
    Staircase,
    /// A lever or seesaw.
    Lever,
    /// A ramp, chute or incline (the solver builds it).
    Ramp,
    /// A deflector (the solver builds it).
    Deflector,
    /// A gap or chasm.
    Gap,
    /// A deck or platform.
    Deck,
    /// A bin, box, basket or tray (a goal container).
    Bin,
    /// A cup (a goal container with a stated size).
    Cup,
    /// A slope or hill.
    Slope,
    /// A plateau.
    Plateau,
    /// A shield, cover or roof.
    Shield,
    /// A fixed ring or hoop to pass through.
    Ring,
    /// A hinged flap or door.
    Flap,
    /// A gear or gear train.
    Gear,
    /// A conveyor belt or turntable.
    Conveyor,
    /// A spiral ramp.
    Spiral,
    /// A funnel.
    Funnel,
    /// A pulley.
    Pulley,
    /// A spring.
    Spring,
    /// A catapult or flipper.
    Catapult,
    /// A hole to put a peg into.
    Hole,
    /// A motor, piston or lift.
    Motor,
    /// A forbid zone.
    ForbidZone,
}

impl ElementKind {
    /// Every element kind.
    pub const ALL: [ElementKind; 32] = [
        ElementKind::Wall,
        ElementKind::Window,
        ElementKind::Post,
        ElementKind::Shelf,
        ElementKind::Ledge,
        ElementKind::Corridor,
        ElementKind::BentCorridor,
        ElementKind::SpeedBump,
        ElementKind::LowGate,
        ElementKind::Staircase,
        ElementKind::Lever,
        ElementKind::Ramp,
        ElementKind::Deflector,
        ElementKind::Gap,
        ElementKind::Deck,
        ElementKind::Bin,
        ElementKind::Cup,
        ElementKind::Slope,
        ElementKind::Plateau,
        ElementKind::Shield,
        ElementKind::Ring,
        ElementKind::Flap,
        ElementKind::Gear,
        ElementKind::Conveyor,
        ElementKind::Spiral,
        ElementKind::Funnel,
        ElementKind::Pulley,
        ElementKind::Spring,
        ElementKind::Catapult,
        ElementKind::Hole,
        ElementKind::Motor,
        ElementKind::ForbidZone,
    ];

    /// The element's name in words.
    pub fn name(self) -> &'static str {
        match self {
            ElementKind::Wall => "wall",
            ElementKind::Window => "window",
            ElementKind::Post => "post",
            ElementKind::Shelf => "shelf",
            ElementKind::Ledge => "ledge",
            ElementKind::Corridor => "corridor",
            ElementKind::BentCorridor => "corridor with bends",
            ElementKind::SpeedBump => "speed bump",
            ElementKind::LowGate => "low gate",
            ElementKind::Staircase => "staircase",
            ElementKind::Lever => "lever",
            ElementKind::Ramp => "ramp",
            ElementKind::Deflector => "deflector",
            ElementKind::Gap => "gap",
            ElementKind::Deck => "deck",
            ElementKind::Bin => "bin",
            ElementKind::Cup => "cup",
            ElementKind::Slope => "slope",
            ElementKind::Plateau => "plateau",
            ElementKind::Shield => "shield",
            ElementKind::Ring => "ring",
            ElementKind::Flap => "hinged flap",
            ElementKind::Gear => "gear mechanism",
            ElementKind::Conveyor => "conveyor",
            ElementKind::Spiral => "spiral ramp",
            ElementKind::Funnel => "funnel",
            ElementKind::Pulley => "pulley",
            ElementKind::Spring => "spring",
            ElementKind::Catapult => "catapult",
            ElementKind::Hole => "hole for a peg",
            ElementKind::Motor => "motor",
            ElementKind::ForbidZone => "forbid zone",
        }
    }

    /// The fixture labels that carry this element in a scene (its role tag): a fixture whose
    /// label equals one of them, or ends with `_` and one of them, is this element. Empty for
    /// elements that are not fixtures.
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            ElementKind::Wall | ElementKind::Window => &["wall"],
            ElementKind::Post => &["post"],
            ElementKind::Shelf => &["shelf"],
            ElementKind::Ledge => &["ledge", "shelf"],
            ElementKind::Corridor | ElementKind::BentCorridor => {
                &["corridor_left", "corridor_right"]
            }
            ElementKind::SpeedBump => &["speed_bump"],
            ElementKind::LowGate => &["low_gate"],
            ElementKind::Staircase => &["staircase"],
            ElementKind::Lever => &["lever"],
            ElementKind::Ramp | ElementKind::Deflector | ElementKind::Spiral => &["chute", "ramp"],
            ElementKind::Gap | ElementKind::Deck => &["deck"],
            ElementKind::Bin | ElementKind::Cup => &["bin"],
            ElementKind::Slope => &["slope"],
            ElementKind::Plateau => &["plateau"],
            ElementKind::Shield => &["shield"],
            ElementKind::Ring => &["ring"],
            ElementKind::Flap => &["flap"],
            ElementKind::Gear => &["gear"],
            ElementKind::Conveyor => &["conveyor"],
            ElementKind::Funnel => &["funnel"],
            ElementKind::Pulley => &["pulley"],
            ElementKind::Spring => &["spring"],
            ElementKind::Catapult => &["catapult"],
            ElementKind::Hole => &["hole"],
            ElementKind::Motor => &["motor"],
            ElementKind::ForbidZone => &[],
        }
    }

    /// True when the element is built by the solver (the reference solution carries it),
    /// not by the scene.
    pub fn solver_built(self) -> bool {
        matches!(self, ElementKind::Ramp | ElementKind::Deflector)
    }

    /// The relation "pass/cross a <element>" means when the theme gives no preposition.
    pub fn canonical_relation(self) -> Option<Relation> {
        Some(match self {
            ElementKind::Window | ElementKind::Ring | ElementKind::Flap => Relation::Through,
            ElementKind::Corridor | ElementKind::BentCorridor => Relation::Through,
            ElementKind::Gap => Relation::Across,
            ElementKind::SpeedBump => Relation::Over,
            ElementKind::LowGate => Relation::Under,
            ElementKind::Shield => Relation::Past,
            ElementKind::Shelf | ElementKind::Ledge | ElementKind::Plateau => Relation::Onto,
            ElementKind::Bin | ElementKind::Cup => Relation::Into,
            _ => return None,
        })
    }
}

/// A measurable attribute of a named element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    /// Width in metres (a gap's span, a corridor's width).
    Width,
    /// Height of its top above the floor, in metres.
    Height,
    /// Length in metres.
    Length,
    /// Slope in degrees.
    Angle,
    /// A count (bends of a corridor, steps of a staircase).
    Count,
    /// Size across (a cup's diameter), in metres.
    Size,
}

impl AttributeKind {
    /// The attribute's name in words.
    pub fn name(self) -> &'static str {
        match self {
            AttributeKind::Width => "width",
            AttributeKind::Height => "height",
            AttributeKind::Length => "length",
            AttributeKind::Angle => "angle",
            AttributeKind::Count => "count",
            AttributeKind::Size => "size",
        }
    }
}

/// A stated attribute of an element.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// What it measures.
    pub kind: AttributeKind,
    /// Metres, degrees (angles) or a plain count.
    pub value: f64,
}

/// A named element of the scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementIntent {
    /// Which element.
    pub kind: ElementKind,
    /// The word the theme used.
    pub word: String,
    /// Its stated attributes.
    pub attributes: Vec<Attribute>,
    /// Its stated material, if any.
    pub material: Option<Material>,
}

impl ElementIntent {
    /// The stated attribute of `kind`, if any.
    pub fn attribute(&self, kind: AttributeKind) -> Option<f64> {
        self.attributes
            .iter()
            .find(|a| a.kind == kind)
            .map(|a| a.value)
    }
}

/// One number of the theme and where the grammar placed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatedNumber {
    /// As written, e.g. "250 mm".
    pub text: String,
    /// The value in SI units (metres, kilograms), degrees for angles, or a plain count.
    pub value_si: f64,
    /// The fact it was placed in, e.g. "rise", "payload diameter", "gap width".
    pub placed_as: String,
}

impl Intent {
    /// The stated element of `kind`, if any.
    pub fn element(&self, kind: ElementKind) -> Option<&ElementIntent> {
        self.elements.iter().find(|e| e.kind == kind)
    }

    /// True when the theme names `kind`.
    pub fn has(&self, kind: ElementKind) -> bool {
        self.element(kind).is_some()
    }

    /// The goal relation, if the theme states one.
    pub fn goal_relation(&self) -> Option<&RelationIntent> {
        self.relations.iter().find(|r| r.goal)
    }

    /// The intent in words, one fact per line (for `plan.md` and the journal).
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let p = &self.payload;
        let mut payload = format!(
            "payload: {} × {}",
            p.count,
            p.kind.map_or("unnamed payload", PayloadKind::noun)
        );
        if let Some(m) = p.material {
            payload.push_str(&format!(", {}", m.name()));
        }
        for d in &p.dimensions {
            payload.push_str(&format!(", {} {:.1} mm", d.kind.name(), d.value_m * 1e3));
        }
        if let Some(kg) = p.mass_kg {
            payload.push_str(&format!(", mass {kg:.3} kg"));
        }
        lines.push(payload);
        let d = &self.displacement;
        let mut disp = Vec::new();
        if let Some(dir) = d.direction {
            disp.push(format!("direction {dir:?}").to_lowercase());
        }
        for (name, v) in [
            ("rise", d.rise_m),
            ("drop", d.drop_m),
            ("horizontal distance", d.horizontal_m),
            ("free fall", d.fall_m),
        ] {
            if let Some(v) = v {
                disp.push(format!("{name} {v:.3} m"));
            }
        }
        if !disp.is_empty() {
            lines.push(format!("displacement: {}", disp.join(", ")));
        }
        for r in &self.relations {
            lines.push(format!(
                "{}: {} the {}",
                if r.goal { "goal" } else { "on the way" },
                r.relation.name(),
                r.element.name()
            ));
        }
        for e in &self.elements {
            let mut s = format!("element: {} (\"{}\")", e.kind.name(), e.word);
            for a in &e.attributes {
                s.push_str(&format!(", {} {}", a.kind.name(), a.value));
            }
            if let Some(m) = e.material {
                s.push_str(&format!(", {}", m.name()));
            }
            lines.push(s);
        }
        for n in &self.numbers {
            lines.push(format!("number \"{}\" → {}", n.text, n.placed_as));
        }
        lines
    }
}

/// Checks an intent written by someone else (a language model) against the theme's own
/// numbers, read by [`units::numbers`]: every number of the theme must appear in one of the
/// intent's facts with the same SI value, and every number in the intent's facts must come
/// from the theme. The error says exactly which number is missing or invented.
pub fn cross_check(intent: &Intent, theme: &str) -> Result<(), String> {
    let p = &intent.payload;
    let mut facts: Vec<(String, f64)> = Vec::new();
    for d in &p.dimensions {
        facts.push((format!("payload {}", d.kind.name()), d.value_m));
    }
    if let Some(kg) = p.mass_kg {
        facts.push(("payload mass_kg".into(), kg));
    }
    let d = &intent.displacement;
    for (name, v) in [
        ("rise_m", d.rise_m),
        ("drop_m", d.drop_m),
        ("horizontal_m", d.horizontal_m),
        ("fall_m", d.fall_m),
    ] {
        if let Some(v) = v {
            facts.push((format!("displacement.{name}"), v));
        }
    }
    for e in &intent.elements {
        for a in &e.attributes {
            facts.push((format!("{} {}", e.kind.name(), a.kind.name()), a.value));
        }
    }
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-3);
    let numbers = units::numbers(theme);
    for n in &numbers {
        if let Some(junk) = &n.junk {
            return Err(format!(
                "the theme's \"{}\" has no unit (\"{junk}\"); refuse with code unplaced_number",
                n.text
            ));
        }
        let Some(si) = n.si() else {
            let is_count = p.count as f64 == n.value
                || intent
                    .elements
                    .iter()
                    .flat_map(|e| &e.attributes)
                    .any(|a| a.kind == AttributeKind::Count && a.value == n.value);
            if is_count {
                continue;
            }
            return Err(format!(
                "the theme's \"{}\" has no unit; refuse with code unplaced_number (a number without a unit is never guessed)",
                n.text
            ));
        };
        if !facts.iter().any(|(_, v)| same(*v, si)) {
            return Err(format!(
                "the theme's \"{}\" ({si} in SI units) is in no fact of your intent; place it (payload dimension, mass, displacement or element attribute) or refuse with code unplaced_number",
                n.text
            ));
        }
    }
    for (name, v) in &facts {
        let from_theme = numbers
            .iter()
            .any(|n| n.si().is_some_and(|si| same(si, *v)) || (n.unit.is_none() && n.value == *v));
        if !from_theme {
            return Err(format!(
                "your intent states {name} = {v}, which the theme does not; the intent holds only stated facts"
            ));
        }
    }
    Ok(())
}
