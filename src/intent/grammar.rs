//! The procedural theme grammar (no language model). README "Theme grammar" documents it;
//! in short:
//!
//! - **Payload**: the first payload noun (ball, sphere, marble, cube, box, crate, block,
//!   brick, cylinder, can, rod, dowel, peg, pin, puck, disc, coin, ring, washer). Its count
//!   comes from the word before it (`a`, `one`, `two`, `3`...; a plural without a count
//!   means several). Its dimensions are the lengths written around it: `a 90 mm ball`
//!   (a single length is a ball's or puck's diameter, a cube's or block's edge, a cylinder's,
//!   rod's or peg's length, a ring's outer diameter), `40 mm radius`, `radius 40 mm`,
//!   `300 x 20 mm rod` (length × diameter), `60 x 10 mm puck` (diameter × thickness),
//!   `100 x 60 x 40 mm box` (x × y × z), `60 mm outer, 40 mm inner diameter`. A mass
//!   (`200 g`, `0.5 kg`) next to the payload is its mass. A material word next to it is its
//!   material.
//! - **Displacement**: `N higher|up|above` is a rise, `N lower|down|below` a drop,
//!   `N sideways|away|along|horizontally|across` a horizontal distance, `from N` a free fall
//!   before the first contact, `lift|raise … by N` a rise, `lower … by N` a drop. Direction
//!   words (lift, raise, climb, up… / drop, fall, lower, down…) give the direction.
//! - **Relations**: onto, on to, on top of, into, inside, in (a container), through, via,
//!   under, beneath, below, over, above, across, around, past, beyond, off — each refers to
//!   the next named element. The last of onto/into/around/off is the goal relation.
//!   An element named without a preposition takes its own relation (pass a window: through;
//!   a gap: across; a speed bump: over; a low gate: under; a shield: past; a shelf: onto;
//!   a bin: into).
//! - **Elements**: see [`ElementKind`]; a number written next to an element is its
//!   attribute (`a 180 mm gap`: width; `a shelf 250 mm high`: height; `a 30° ramp`: angle;
//!   `two bends`: count).
//!
//! Every number must land in one of these places; a number without a unit, or one the
//! grammar cannot place, is an [`IntentError`] (the planner refuses the theme with it).

use super::materials::{classify, MaterialWord};
use super::units::{count_word, tokenize, Number, Token, UnitKind};
use super::{
    Attribute, AttributeKind, Dimension, DimensionKind, Direction, Displacement, ElementIntent,
    ElementKind, Intent, PayloadIntent, PayloadKind, Relation, RelationIntent, StatedNumber,
};

/// Why a theme has no intent the grammar can stand behind.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntentError {
    /// Nothing to read.
    #[error("the theme is empty; describe the payload and where it must go")]
    Empty,
    /// A number without a unit.
    #[error("the number \"{text}\" has no unit; write it with mm, cm, m, in, °, g or kg")]
    NoUnit {
        /// The number as written.
        text: String,
    },
    /// A number the grammar cannot place.
    #[error("the number \"{text}\" cannot be placed ({why}); say what it measures, e.g. \"250 mm higher\", \"a 180 mm gap\", \"a 40 mm diameter ball\"")]
    Unplaced {
        /// The number as written.
        text: String,
        /// Why not.
        why: String,
    },
    /// A material word that names no single material.
    #[error(
        "\"{word}\" names no single material; say which: {}",
        crate::scene::Material::names_list()
    )]
    VagueMaterial {
        /// The word.
        word: String,
    },
    /// A material the table does not hold.
    #[error(
        "the material \"{word}\" is not in the materials table ({})",
        crate::scene::Material::names_list()
    )]
    UnknownMaterial {
        /// The word.
        word: String,
    },
    /// Up and down both stated with no number to tell which the goal is.
    #[error("the theme asks for both up and down with no number to tell which; say how much higher or lower the goal is")]
    BothDirections,
}

#[derive(Debug, Clone)]
struct Found {
    kind: ElementKind,
    at: usize,
    word: String,
}

struct Reader {
    toks: Vec<Token>,
    placed: Vec<Option<String>>,
}

impl Reader {
    fn word(&self, i: usize) -> Option<&str> {
        match self.toks.get(i) {
            Some(Token::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    fn number(&self, i: usize) -> Option<&Number> {
        match self.toks.get(i) {
            Some(Token::Number(n)) => Some(n),
            _ => None,
        }
    }

    fn place(&mut self, i: usize, what: impl Into<String>) {
        if let Some(p) = self.placed.get_mut(i) {
            *p = Some(what.into());
        }
    }

    fn is_placed(&self, i: usize) -> bool {
        self.placed.get(i).is_some_and(Option::is_some)
    }
}

fn element_of(words: &[Option<&str>], i: usize) -> Option<ElementKind> {
    let w = words[i]?;
    let next = |k: usize| words.get(i + k).copied().flatten();
    let prev = |k: usize| i.checked_sub(k).and_then(|j| words[j]);
    let in_a_wall = (1..=4).any(|k| next(k) == Some("wall") || next(k) == Some("walls"))
        && (1..=2).any(|k| next(k) == Some("in"));
    let kind = match w {
        "wall" | "walls" => ElementKind::Wall,
        "window" | "windows" | "opening" => ElementKind::Window,
        "hole" | "gate" | "slot" if in_a_wall => ElementKind::Window,
        "post" | "pole" | "pillar" => ElementKind::Post,
        "shelf" | "shelves" => ElementKind::Shelf,
        "ledge" => ElementKind::Ledge,
        "corridor" | "channel" | "passage" => ElementKind::Corridor,
        "maze" => ElementKind::BentCorridor,
        "bump" | "hump" | "kerb" | "curb" => ElementKind::SpeedBump,
        "gate" | "bar" | "beam" | "limbo" => ElementKind::LowGate,
        "staircase" | "stairs" | "stair" | "stairway" => ElementKind::Staircase,
        "steps" if prev(1) != Some("two") => ElementKind::Staircase,
        "lever" | "seesaw" => ElementKind::Lever,
        "ramp" | "chute" | "incline" if matches!(prev(1), Some("spiral" | "helical")) => {
            ElementKind::Spiral
        }
        "ramp" | "chute" | "incline" if prev(1) == Some("deflector") => return None,
        "ramp" | "ramps" | "chute" | "incline" => ElementKind::Ramp,
        "deflector" => ElementKind::Deflector,
        "gap" | "gaps" | "chasm" => ElementKind::Gap,
        "deck" | "decks" | "platform" | "platforms" => ElementKind::Deck,
        "bin" | "bins" | "basket" | "bucket" | "tray" | "container" => ElementKind::Bin,
        "cup" | "mug" => ElementKind::Cup,
        "slope" | "hill" => ElementKind::Slope,
        "plateau" => ElementKind::Plateau,
        "shield" | "cover" | "roof" | "canopy" => ElementKind::Shield,
        "hoop" | "loop" => ElementKind::Ring,
        "flap" | "door" | "trapdoor" | "hinge" => ElementKind::Flap,
        "gear" | "gears" | "cog" | "cogs" | "gearbox" | "shaft" => ElementKind::Gear,
        "conveyor" | "belt" | "turntable" => ElementKind::Conveyor,
        "spiral" | "helix" | "corkscrew" => ElementKind::Spiral,
        "funnel" => ElementKind::Funnel,
        "pulley" => ElementKind::Pulley,
        "spring" => ElementKind::Spring,
        "catapult" | "flipper" | "trebuchet" | "launcher" => ElementKind::Catapult,
        "hole" | "socket" | "bore" => ElementKind::Hole,
        "motor" | "piston" | "elevator" | "crane" | "winch" | "actuator" => ElementKind::Motor,
        "zone" if matches!(prev(1), Some("forbid" | "forbidden" | "go")) => ElementKind::ForbidZone,
        _ => return None,
    };
    Some(kind)
}

fn dimension_keyword(w: &str) -> Option<DimensionKind> {
    Some(match w {
        "radius" | "r" => DimensionKind::Radius,
        "diameter" | "dia" | "d" | "ø" => DimensionKind::Diameter,
        "long" | "length" => DimensionKind::Length,
        "wide" | "width" => DimensionKind::Width,
        "high" | "tall" | "height" => DimensionKind::Height,
        "thick" | "thickness" => DimensionKind::Thickness,
        "outer" | "od" => DimensionKind::OuterDiameter,
        "inner" | "id" | "bore" => DimensionKind::InnerDiameter,
        "edge" | "side" | "edges" | "sides" => DimensionKind::Edge,
        _ => return None,
    })
}

fn attribute_keyword(w: &str) -> Option<AttributeKind> {
    Some(match w {
        "high" | "tall" | "height" => AttributeKind::Height,
        "wide" | "width" | "across" => AttributeKind::Width,
        "long" | "length" => AttributeKind::Length,
        _ => return None,
    })
}

fn default_attribute(kind: ElementKind) -> AttributeKind {
    match kind {
        ElementKind::Gap
        | ElementKind::Corridor
        | ElementKind::BentCorridor
        | ElementKind::Window => AttributeKind::Width,
        ElementKind::Ramp | ElementKind::Deflector | ElementKind::Slope => AttributeKind::Length,
        ElementKind::Bin | ElementKind::Cup | ElementKind::Hole => AttributeKind::Size,
        _ => AttributeKind::Height,
    }
}

const UP_WORDS: &[&str] = &[
    "lift", "lifts", "lifted", "raise", "raises", "raised", "hoist", "hoists", "elevate",
    "elevates", "climb", "climbs", "ascend", "ascends", "uphill", "upward", "upwards", "up",
    "higher",
];
const DOWN_WORDS: &[&str] = &[
    "drop",
    "drops",
    "dropped",
    "fall",
    "falls",
    "lower",
    "lowers",
    "lowered",
    "descend",
    "descends",
    "downhill",
    "downward",
    "downwards",
    "down",
];
const HORIZONTAL_WORDS: &[&str] = &[
    "sideways",
    "away",
    "along",
    "horizontally",
    "across",
    "further",
    "farther",
    "forward",
    "forwards",
    "aside",
];
const MOVE_VERBS: &[&str] = &[
    "move",
    "moves",
    "carry",
    "carries",
    "push",
    "pushes",
    "roll",
    "rolls",
    "slide",
    "slides",
    "transport",
    "shift",
    "bring",
    "travel",
    "travels",
];

/// Reads `theme` into its intent with the documented grammar.
pub fn parse(theme: &str) -> Result<Intent, IntentError> {
    let toks = tokenize(theme);
    if toks.is_empty() {
        return Err(IntentError::Empty);
    }
    let n = toks.len();
    let mut r = Reader {
        toks,
        placed: vec![None; n],
    };
    let words: Vec<Option<String>> = (0..n).map(|i| r.word(i).map(str::to_string)).collect();
    let wref: Vec<Option<&str>> = words.iter().map(|w| w.as_deref()).collect();
    let word = |i: usize| wref.get(i).copied().flatten();

    // Materials anywhere: vague and unknown ones are refused by name.
    for w in wref.iter().flatten() {
        match classify(w) {
            Some(MaterialWord::Vague) => {
                return Err(IntentError::VagueMaterial {
                    word: w.to_string(),
                })
            }
            Some(MaterialWord::Unknown) => {
                return Err(IntentError::UnknownMaterial {
                    word: w.to_string(),
                })
            }
            _ => {}
        }
    }

    // The payload: the first payload noun.
    let mut payload = PayloadIntent {
        count: 0,
        kind: None,
        material: None,
        dimensions: Vec::new(),
        mass_kg: None,
    };
    let payload_at = (0..n).find(|&i| word(i).and_then(PayloadKind::from_word).is_some());
    let mut window: Vec<usize> = Vec::new();
    if let Some(p) = payload_at {
        let (kind, plural) = PayloadKind::from_word(word(p).unwrap_or_default())
            .unwrap_or((PayloadKind::Ball, false));
        payload.kind = Some(kind);
        payload.count = if plural { 0 } else { 1 };
        // Walk back over modifiers to the count or determiner.
        let mut start = p;
        let mut j = p;
        while j > 0 && p - j < 8 {
            j -= 1;
            match &r.toks[j] {
                Token::Number(_) | Token::Times => start = j,
                Token::Word(w) => {
                    if let Some(c) = count_word(w) {
                        if !(plural && c == 1) {
                            payload.count = c;
                        }
                        break;
                    }
                    if matches!(w.as_str(), "the" | "this" | "its") {
                        payload.count = if plural { 0 } else { 1 };
                        break;
                    }
                    if dimension_keyword(w).is_some()
                        || classify(w).is_some()
                        || matches!(
                            w.as_str(),
                            "small"
                                | "large"
                                | "big"
                                | "heavy"
                                | "light"
                                | "solid"
                                | "round"
                                | "in"
                                | "of"
                        )
                    {
                        start = j;
                        continue;
                    }
                    break;
                }
                Token::Break => break,
            }
        }
        // A bare number right before the noun's modifiers is a count ("3 steel balls").
        let bare = r
            .number(start)
            .filter(|n| n.unit.is_none() && n.junk.is_none())
            .map(|n| n.value);
        if let (Some(value), true) = (bare, plural) {
            payload.count = value as u32;
            r.place(start, "payload count");
            start += 1;
        }
        window.extend(start..p);
        // After the noun: dimension groups ("40mm radius", "radius 40 mm", "300 mm long").
        let mut k = p + 1;
        loop {
            while matches!(
                word(k),
                Some("and" | "with" | "of" | "a" | "an" | "weighing" | "mass" | "made" | "in")
            ) || matches!(r.toks.get(k), Some(Token::Break))
            {
                k += 1;
            }
            let keyword_first = word(k).and_then(dimension_keyword).is_some()
                && (r.number(k + 1).is_some()
                    || (word(k + 1) == Some("of") && r.number(k + 2).is_some()));
            if keyword_first {
                let num_at = if r.number(k + 1).is_some() {
                    k + 1
                } else {
                    k + 2
                };
                window.extend(k..=num_at);
                k = num_at + 1;
                continue;
            }
            if let Some(num) = r.number(k) {
                let mut e = k;
                while r.toks.get(e + 1) == Some(&Token::Times) && r.number(e + 2).is_some() {
                    e += 2;
                }
                let mut after = e + 1;
                if word(after) == Some("in") {
                    after += 1;
                }
                let is_mass = num.unit.map(|u| u.kind()) == Some(UnitKind::Mass);
                let kw = word(after).and_then(dimension_keyword);
                if kw.is_some() || is_mass {
                    let end = if kw.is_some() { after } else { e };
                    // "60 mm outer, 40 mm inner diameter": "outer" takes the next word too.
                    window.extend(k..=end);
                    k = end + 1;
                    if word(k) == Some("diameter") {
                        window.push(k);
                        k += 1;
                    }
                    continue;
                }
            }
            if word(k).is_some_and(|w| classify(w).is_some()) {
                window.push(k);
                k += 1;
                continue;
            }
            break;
        }
        read_payload_window(&mut r, &wref, &window, kind, &mut payload)?;
        // Further payload nouns that are no element ("a ball and a cube") add to the count.
        for i in p + 1..n {
            if let Some((other, _)) = word(i).and_then(PayloadKind::from_word) {
                let element_like = (1..=3).any(|k| {
                    i.checked_sub(k).and_then(word).is_some_and(|w| {
                        matches!(
                            w,
                            "into"
                                | "onto"
                                | "through"
                                | "in"
                                | "around"
                                | "past"
                                | "over"
                                | "under"
                                | "on"
                        )
                    })
                });
                let goal_box = other == PayloadKind::Box && word(i - 1) == Some("goal");
                if !(element_like || goal_box) {
                    payload.count = payload.count.max(1) + 1;
                }
            }
        }
    }
    if payload_at.is_none() {
        // No payload noun: one payload whose kind the theme left open.
        payload.count = 1;
    }
    if wref
        .iter()
        .flatten()
        .any(|w| matches!(*w, "each" | "every"))
        && payload.count == 1
    {
        payload.count = 0;
    }

    // Elements.
    let mut found: Vec<Found> = Vec::new();
    for i in 0..n {
        if Some(i) == payload_at || window.contains(&i) {
            continue;
        }
        let kind = match word(i).and_then(PayloadKind::from_word) {
            Some((PayloadKind::Ring, _)) => Some(ElementKind::Ring),
            Some((PayloadKind::Box, _)) => Some(ElementKind::Bin),
            Some((PayloadKind::Peg | PayloadKind::Rod, _)) if payload_at.is_some() => {
                Some(ElementKind::Post)
            }
            _ => element_of(&wref, i),
        };
        if let Some(kind) = kind {
            found.push(Found {
                kind,
                at: i,
                word: word(i).unwrap_or_default().to_string(),
            });
        }
    }
    let bent = wref.iter().flatten().any(|w| {
        matches!(
            *w,
            "bend" | "bends" | "turn" | "turns" | "zigzag" | "winding" | "shaped" | "maze"
        )
    });
    for f in &mut found {
        if f.kind == ElementKind::Corridor && bent {
            f.kind = ElementKind::BentCorridor;
        }
    }
    let mut elements: Vec<ElementIntent> = Vec::new();
    for f in &found {
        if !elements.iter().any(|e| e.kind == f.kind) {
            elements.push(ElementIntent {
                kind: f.kind,
                word: f.word.clone(),
                attributes: Vec::new(),
                material: None,
            });
        }
    }
    let element_at = |i: usize| found.iter().find(|f| f.at == i).map(|f| f.kind);

    // Materials outside the payload: before an element, the element's; else the payload's.
    for i in 0..n {
        if window.contains(&i) {
            continue;
        }
        let Some(MaterialWord::Known(m)) = word(i).and_then(classify) else {
            continue;
        };
        match (1..=2).find_map(|k| element_at(i + k)) {
            Some(kind) => {
                if let Some(e) = elements.iter_mut().find(|e| e.kind == kind) {
                    e.material = Some(m);
                }
            }
            None if payload.material.is_none() => payload.material = Some(m),
            None => {}
        }
    }

    // Direction words.
    let ups = wref.iter().flatten().any(|w| UP_WORDS.contains(w));
    let downs = wref.iter().flatten().any(|w| DOWN_WORDS.contains(w));
    let mut displacement = Displacement::default();

    // The remaining numbers: displacement, element attributes, counts.
    for i in 0..n {
        if r.is_placed(i) {
            continue;
        }
        let Some(num) = r.number(i).cloned() else {
            continue;
        };
        if let Some(junk) = &num.junk {
            return Err(IntentError::Unplaced {
                text: num.text.clone(),
                why: format!("\"{junk}\" is no unit"),
            });
        }
        let next1 = word(i + 1);
        let prev1 = i.checked_sub(1).and_then(word);
        let Some(unit) = num.unit else {
            // A bare number is a count of what follows it.
            let counted = next1.and_then(|w| match w {
                "bends" | "turns" | "bend" | "turn" => Some(ElementKind::BentCorridor),
                "steps" | "stairs" => Some(ElementKind::Staircase),
                "gears" | "cogs" => Some(ElementKind::Gear),
                _ => None,
            });
            match counted {
                Some(kind) => {
                    add_attribute(
                        &mut elements,
                        kind,
                        next1.unwrap_or_default(),
                        AttributeKind::Count,
                        num.value,
                    );
                    r.place(i, format!("{} count", kind.name()));
                    continue;
                }
                None if next1.and_then(PayloadKind::from_word).is_some() => {
                    payload.count = num.value as u32;
                    r.place(i, "payload count");
                    continue;
                }
                None => {
                    return Err(IntentError::NoUnit {
                        text: num.text.clone(),
                    })
                }
            }
        };
        let si = num.value * unit.to_si();
        match unit.kind() {
            UnitKind::Mass => {
                return Err(IntentError::Unplaced {
                    text: num.text.clone(),
                    why: "a mass must stand next to the payload (\"a 200 g steel ball\")".into(),
                })
            }
            UnitKind::Angle => {
                let near = (1..=3)
                    .find_map(|k| element_at(i + k))
                    .or_else(|| (1..=3).find_map(|k| i.checked_sub(k).and_then(element_at)))
                    .filter(|k| {
                        matches!(
                            k,
                            ElementKind::Ramp
                                | ElementKind::Deflector
                                | ElementKind::Slope
                                | ElementKind::Spiral
                                | ElementKind::Gear
                        )
                    });
                match near {
                    Some(kind) => {
                        add_attribute(&mut elements, kind, "", AttributeKind::Angle, si);
                        r.place(i, format!("{} angle", kind.name()));
                    }
                    None => {
                        return Err(IntentError::Unplaced {
                            text: num.text.clone(),
                            why: "an angle belongs to a ramp, deflector, slope or gear".into(),
                        })
                    }
                }
                continue;
            }
            UnitKind::Length => {}
        }
        // Displacement words after the number.
        let next2 = word(i + 2);
        let to_side = next1 == Some("to") && next2 == Some("the") && word(i + 3) == Some("side");
        if matches!(
            next1,
            Some("higher" | "up" | "upward" | "upwards" | "above" | "uphill")
        ) {
            displacement.rise_m = Some(si);
            r.place(i, "rise");
            continue;
        }
        if matches!(
            next1,
            Some("lower" | "down" | "downward" | "downwards" | "below" | "downhill")
        ) {
            displacement.drop_m = Some(si);
            r.place(i, "drop");
            continue;
        }
        if next1.is_some_and(|w| HORIZONTAL_WORDS.contains(&w)) || to_side {
            displacement.horizontal_m = Some(si);
            r.place(i, "horizontal distance");
            continue;
        }
        // "from 120 mm", "from a height of 120 mm": the free fall.
        let from = prev1 == Some("from")
            || (prev1 == Some("of")
                && word(i.wrapping_sub(2)) == Some("height")
                && (3..=4).any(|k| i.checked_sub(k).and_then(word) == Some("from")));
        if from {
            displacement.fall_m = Some(si);
            r.place(i, "free fall");
            continue;
        }
        // "lift/raise … by N", "lower … by N", "move … N".
        let verb_before = (1..=8).find_map(|k| {
            i.checked_sub(k).and_then(word).filter(|w| {
                UP_WORDS.contains(w) || DOWN_WORDS.contains(w) || MOVE_VERBS.contains(w)
            })
        });
        let element_after = (1..=3).find_map(|k| element_at(i + k).map(|e| (k, e)));
        let element_before = (1..=3).find_map(|k| i.checked_sub(k).and_then(element_at));
        // "drops 250 mm", "rises 0.3 m": a direction verb right before the number.
        if let Some(v) = prev1.filter(|v| UP_WORDS.contains(v) || DOWN_WORDS.contains(v)) {
            if UP_WORDS.contains(&v) {
                displacement.rise_m = Some(si);
                r.place(i, "rise");
            } else {
                displacement.drop_m = Some(si);
                r.place(i, "drop");
            }
            continue;
        }
        if prev1 == Some("by") {
            match verb_before {
                Some(v) if UP_WORDS.contains(&v) => {
                    displacement.rise_m = Some(si);
                    r.place(i, "rise");
                    continue;
                }
                Some(v) if DOWN_WORDS.contains(&v) => {
                    displacement.drop_m = Some(si);
                    r.place(i, "drop");
                    continue;
                }
                _ => {}
            }
        }
        if matches!(prev1, Some("distance")) || next1 == Some("distance") {
            displacement.horizontal_m = Some(si);
            r.place(i, "horizontal distance");
            continue;
        }
        // Element attributes: "a 180 mm gap", "a 250 mm high shelf", "a gap of 180 mm",
        // "a shelf 250 mm high".
        if let Some((k, kind)) = element_after {
            let between: Vec<&str> = (1..k).filter_map(|j| word(i + j)).collect();
            let kw = between.iter().find_map(|w| attribute_keyword(w));
            let ok = between.iter().all(|w| {
                attribute_keyword(w).is_some()
                    || matches!(
                        *w,
                        "speed"
                            | "low"
                            | "deep"
                            | "thick"
                            | "s"
                            | "shaped"
                            | "goal"
                            | "side"
                            | "wooden"
                            | "forbid"
                    )
            });
            if ok {
                let attr = kw.unwrap_or(default_attribute(kind));
                add_attribute(&mut elements, kind, "", attr, si);
                r.place(i, format!("{} {}", kind.name(), attr.name()));
                continue;
            }
        }
        if let Some(kind) = element_before {
            let attr = next1
                .and_then(attribute_keyword)
                .unwrap_or(default_attribute(kind));
            add_attribute(&mut elements, kind, "", attr, si);
            r.place(i, format!("{} {}", kind.name(), attr.name()));
            continue;
        }
        if verb_before.is_some_and(|v| MOVE_VERBS.contains(&v)) && element_after.is_none() {
            displacement.horizontal_m = Some(si);
            r.place(i, "horizontal distance");
            continue;
        }
        return Err(IntentError::Unplaced {
            text: num.text.clone(),
            why: "no payload dimension, displacement or element attribute stands next to it".into(),
        });
    }

    displacement.direction = match (ups, downs) {
        (true, false) => Some(Direction::Up),
        (false, true) => Some(Direction::Down),
        (true, true) => match (displacement.rise_m, displacement.drop_m) {
            (Some(_), None) => Some(Direction::Up),
            (None, Some(_)) => Some(Direction::Down),
            _ => return Err(IntentError::BothDirections),
        },
        (false, false) if displacement.horizontal_m.is_some() => Some(Direction::Horizontal),
        (false, false) => None,
    };
    if displacement.rise_m.is_some() {
        displacement.direction = Some(Direction::Up);
    }

    // Relations: a preposition refers to the next named element.
    let mut relations: Vec<RelationIntent> = Vec::new();
    for i in 0..n {
        let Some(w) = word(i) else { continue };
        let relation = match w {
            "onto" => Relation::Onto,
            "on" if word(i + 1) == Some("to")
                || (word(i + 1) == Some("top") && word(i + 2) == Some("of")) =>
            {
                Relation::Onto
            }
            "into" | "inside" | "in" => Relation::Into,
            "through" | "thru" | "via" => Relation::Through,
            "under" | "beneath" | "underneath" | "below" => Relation::Under,
            "over" | "above" => Relation::Over,
            "across" => Relation::Across,
            "around" | "round" => Relation::Around,
            "past" | "beyond" => Relation::Past,
            "off" => Relation::Off,
            _ => continue,
        };
        let target = (1..=6)
            .take_while(|k| {
                *k == 1
                    || !word(i + k - 1).is_some_and(|w| {
                        matches!(
                            w,
                            "onto"
                                | "into"
                                | "through"
                                | "under"
                                | "over"
                                | "across"
                                | "around"
                                | "past"
                                | "off"
                                | "so"
                                | "and"
                                | "while"
                                | "that"
                                | "then"
                        )
                    })
            })
            .find_map(|k| element_at(i + k));
        let Some(mut element) = target else { continue };
        let mut relation = relation;
        // "a window in a wall" places the window; it is no relation.
        let container = matches!(
            element,
            ElementKind::Bin | ElementKind::Cup | ElementKind::Hole
        );
        if relation == Relation::Into && w == "in" && !container {
            continue;
        }
        if relation == Relation::Over && element == ElementKind::Gap {
            relation = Relation::Across;
        }
        if element == ElementKind::Wall
            && relation == Relation::Through
            && found.iter().any(|f| f.kind == ElementKind::Window)
        {
            element = ElementKind::Window;
        }
        if !relations
            .iter()
            .any(|x| x.relation == relation && x.element == element)
        {
            relations.push(RelationIntent {
                relation,
                element,
                goal: false,
            });
        }
    }
    // Elements named without a preposition take their own relation.
    for e in &elements {
        let related = relations.iter().any(|r| r.element == e.kind)
            || (e.kind == ElementKind::Wall
                && relations.iter().any(|r| r.element == ElementKind::Window));
        if related {
            continue;
        }
        if let Some(rel) = e.kind.canonical_relation() {
            relations.push(RelationIntent {
                relation: rel,
                element: e.kind,
                goal: false,
            });
        }
    }
    if let Some(last) = relations.iter().rposition(|r| r.relation.is_final()) {
        relations[last].goal = true;
    }

    let numbers = (0..n)
        .filter_map(|i| {
            let num = r.number(i)?;
            Some(StatedNumber {
                text: num.text.clone(),
                value_si: num.si().unwrap_or(num.value),
                placed_as: r.placed[i].clone().unwrap_or_default(),
            })
        })
        .collect();
    Ok(Intent {
        theme: theme.to_string(),
        payload,
        displacement,
        relations,
        elements,
        numbers,
    })
}

fn add_attribute(
    elements: &mut Vec<ElementIntent>,
    kind: ElementKind,
    word: &str,
    attr: AttributeKind,
    value: f64,
) {
    if !elements.iter().any(|e| e.kind == kind) {
        elements.push(ElementIntent {
            kind,
            word: word.to_string(),
            attributes: Vec::new(),
            material: None,
        });
    }
    if let Some(e) = elements.iter_mut().find(|e| e.kind == kind) {
        e.attributes.push(Attribute { kind: attr, value });
    }
}

/// Reads the payload's window (the tokens around its noun): dimensions, mass, material.
fn read_payload_window(
    r: &mut Reader,
    words: &[Option<&str>],
    window: &[usize],
    kind: PayloadKind,
    payload: &mut PayloadIntent,
) -> Result<(), IntentError> {
    let word = |i: usize| words.get(i).copied().flatten();
    let mut i = 0;
    while i < window.len() {
        let at = window[i];
        if let Some(w) = word(at) {
            if let Some(MaterialWord::Known(m)) = classify(w) {
                payload.material = Some(m);
            }
            // "radius 40 mm" / "radius of 40 mm".
            if let Some(dk) = dimension_keyword(w) {
                let num_at = window[i + 1..]
                    .iter()
                    .take(2)
                    .copied()
                    .find(|j| r.number(*j).is_some());
                if let Some(j) = num_at.filter(|j| !r.is_placed(*j)) {
                    if let Some(num) = r.number(j).cloned() {
                        let Some(si) = num.si() else {
                            return Err(IntentError::NoUnit { text: num.text });
                        };
                        payload.dimensions.push(Dimension {
                            kind: dk,
                            value_m: si,
                        });
                        r.place(j, format!("payload {}", dk.name()));
                    }
                }
            }
            i += 1;
            continue;
        }
        if r.is_placed(at) || r.number(at).is_none() {
            i += 1;
            continue;
        }
        // A chain of numbers "A x B x C" and the keyword after it.
        let mut chain = vec![at];
        let mut e = i;
        while e + 2 < window.len()
            && r.toks[window[e + 1]] == Token::Times
            && r.number(window[e + 2]).is_some()
        {
            chain.push(window[e + 2]);
            e += 2;
        }
        let mut kw_at = e + 1;
        if window.get(kw_at).and_then(|j| word(*j)) == Some("in") {
            kw_at += 1;
        }
        let kw = window
            .get(kw_at)
            .and_then(|j| word(*j))
            .and_then(dimension_keyword);
        // Past the chain (and its keyword, so "outer" does not claim the next number).
        let next_i = if kw.is_some() { kw_at + 1 } else { e + 1 };
        let nums: Vec<Number> = chain.iter().filter_map(|j| r.number(*j).cloned()).collect();
        for num in &nums {
            if num.unit.is_none() {
                return Err(IntentError::NoUnit {
                    text: num.text.clone(),
                });
            }
        }
        if nums.len() == 1 && nums[0].unit.map(|u| u.kind()) == Some(UnitKind::Mass) {
            payload.mass_kg = nums[0].si();
            r.place(chain[0], "payload mass");
            i = next_i;
            continue;
        }
        if nums
            .iter()
            .any(|n| n.unit.map(|u| u.kind()) != Some(UnitKind::Length))
        {
            return Err(IntentError::Unplaced {
                text: nums[0].text.clone(),
                why: format!("a {} is sized in lengths (mm, cm, m, in)", kind.noun()),
            });
        }
        let kinds: Vec<DimensionKind> = match (nums.len(), kw) {
            (1, Some(k)) => vec![k],
            (1, None) => vec![kind.default_dimension()],
            (2, None) => match kind {
                PayloadKind::Cylinder | PayloadKind::Rod | PayloadKind::Peg => {
                    vec![DimensionKind::Length, DimensionKind::Diameter]
                }
                PayloadKind::Puck => vec![DimensionKind::Diameter, DimensionKind::Thickness],
                PayloadKind::Ring => {
                    vec![DimensionKind::OuterDiameter, DimensionKind::InnerDiameter]
                }
                _ => {
                    return Err(IntentError::Unplaced {
                        text: format!("{} x {}", nums[0].text, nums[1].text),
                        why: format!(
                            "a {} needs one edge or three sizes (x × y × z)",
                            kind.noun()
                        ),
                    })
                }
            },
            (3, None)
                if matches!(
                    kind,
                    PayloadKind::Box | PayloadKind::Block | PayloadKind::Cube
                ) =>
            {
                vec![
                    DimensionKind::Length,
                    DimensionKind::Width,
                    DimensionKind::Height,
                ]
            }
            _ => {
                return Err(IntentError::Unplaced {
                    text: nums
                        .iter()
                        .map(|n| n.text.clone())
                        .collect::<Vec<_>>()
                        .join(" x "),
                    why: format!("the sizes do not fit a {}", kind.noun()),
                })
            }
        };
        for ((num, j), dk) in nums.iter().zip(&chain).zip(kinds) {
            payload.dimensions.push(Dimension {
                kind: dk,
                value_m: num.si().unwrap_or_default(),
            });
            r.place(*j, format!("payload {}", dk.name()));
        }
        i = next_i;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::Material;

    #[test]
    fn the_lift_theme_reads_every_fact() {
        let i = parse("lift a 90 mm ABS ball onto a shelf 250 mm higher").unwrap();
        assert_eq!(i.payload.kind, Some(PayloadKind::Ball));
        assert_eq!(i.payload.count, 1);
        assert_eq!(i.payload.material, Some(Material::Abs));
        assert_eq!(i.payload.dimension(DimensionKind::Diameter), Some(0.09));
        assert_eq!(i.displacement.rise_m, Some(0.25));
        assert_eq!(i.displacement.direction, Some(Direction::Up));
        let goal = i.goal_relation().unwrap();
        assert_eq!(
            (goal.relation, goal.element),
            (Relation::Onto, ElementKind::Shelf)
        );
        assert!(
            i.numbers.iter().all(|n| !n.placed_as.is_empty()),
            "{:?}",
            i.numbers
        );
    }

    #[test]
    fn a_bare_number_is_refused() {
        assert_eq!(
            parse("an aluminium cylinder r 35 x 120 must pass under a low bar"),
            Err(IntentError::NoUnit { text: "35".into() })
        );
    }
}
