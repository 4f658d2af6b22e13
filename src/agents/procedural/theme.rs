//! Reads a free-text theme the way a person writes it: payload shape, size and material with
//! units ("a steel ball 40mm radius", "a 60 mm HDPE cube", "an aluminium cylinder r 35 x
//! 120"), verbs and directions, distances and heights with units, obstacle words.

use crate::plan::{Quantity, ThemeReading};
use crate::scene::Material;

/// Direction and task words the reader looks for.
pub const VERBS: &[&str] = &[
    "across", "over", "up", "down", "sideways", "through", "around", "into", "under", "onto",
    "past", "lift", "drop", "move", "cross", "climb", "thread", "pass", "push",
];

/// Obstacle words the reader looks for.
pub const OBSTACLES: &[&str] = &[
    "gap",
    "wall",
    "window",
    "gate",
    "shelf",
    "bin",
    "ramp",
    "deflector",
    "corridor",
    "bump",
    "post",
    "ledge",
    "slope",
    "ring",
    "flap",
    "lever",
    "shield",
    "cup",
    "hinge",
    "deck",
];

/// Words naming a container the payload must end in, used for the fit check.
pub const CONTAINERS: &[&str] = &[
    "cup", "bin", "box", "hole", "basket", "bucket", "slot", "tube",
];

/// The words of a theme, lowercased, split on spaces and punctuation (keeping `.` inside
/// numbers, `-` inside words and `°`).
pub fn words(theme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = theme.to_lowercase().chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let keep = c.is_alphanumeric()
            || c == '°'
            || (c == '.'
                && i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit()))
            || (c == '-' && !cur.is_empty());
        if keep {
            if c == '°' && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                out.push("°".to_string());
                continue;
            }
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The word without a plural `s` (so "gaps" matches "gap").
pub fn singular(w: &str) -> &str {
    let keep = ["ss", "us", "is", "ous"];
    if w.len() > 3 && w.ends_with('s') && !keep.iter().any(|k| w.ends_with(k)) {
        &w[..w.len() - 1]
    } else {
        w
    }
}

/// A number with its unit as read from the words.
#[derive(Debug, Clone, PartialEq)]
struct Number {
    /// Index of the word holding the number.
    at: usize,
    /// Index of the last word of the number and its unit.
    end: usize,
    value: f64,
    unit: Option<String>,
}

fn split_number(w: &str) -> Option<(f64, String)> {
    let digits: String = w
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if digits.is_empty() {
        return None;
    }
    let v: f64 = digits.parse().ok()?;
    Some((v, w[digits.len()..].to_string()))
}

const LENGTH_UNITS: &[(&str, f64)] = &[
    ("mm", 1e-3),
    ("millimetre", 1e-3),
    ("millimeter", 1e-3),
    ("cm", 1e-2),
    ("centimetre", 1e-2),
    ("centimeter", 1e-2),
    ("m", 1.0),
    ("metre", 1.0),
    ("meter", 1.0),
    ("km", 1e3),
];

fn unit_factor(u: &str) -> Option<f64> {
    let u = singular(u);
    LENGTH_UNITS.iter().find(|(n, _)| *n == u).map(|(_, f)| *f)
}

fn is_angle_unit(u: &str) -> bool {
    matches!(singular(u), "°" | "deg" | "degree")
}

fn numbers(ws: &[String]) -> Vec<Number> {
    let mut out = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        let Some((value, rest)) = split_number(w) else {
            continue;
        };
        if !rest.is_empty() {
            out.push(Number {
                at: i,
                end: i,
                value,
                unit: Some(rest),
            });
        } else if let Some(next) = ws
            .get(i + 1)
            .filter(|n| unit_factor(n).is_some() || is_angle_unit(n))
        {
            out.push(Number {
                at: i,
                end: i + 1,
                value,
                unit: Some(next.clone()),
            });
        } else {
            out.push(Number {
                at: i,
                end: i,
                value,
                unit: None,
            });
        }
    }
    out
}

/// The payload nouns and their shapes.
pub fn shape_of(word: &str) -> Option<&'static str> {
    match singular(word) {
        "ball" | "sphere" | "marble" | "orb" => Some("sphere"),
        "cube" | "box" | "block" | "crate" | "brick" => Some("box"),
        "cylinder" | "can" | "puck" | "disc" | "disk" | "rod" | "roller" => Some("cylinder"),
        _ => None,
    }
}

/// The material a word names, if any.
pub fn material_of(word: &str) -> Option<Material> {
    match word {
        "steel" | "iron" | "metal" => Some(Material::Steel),
        "abs" | "plastic" => Some(Material::Abs),
        "aluminium" | "aluminum" | "alu" => Some(Material::Aluminium),
        "wood" | "wooden" | "timber" => Some(Material::Wood),
        "rubber" => Some(Material::Rubber),
        "hdpe" | "polyethylene" => Some(Material::Hdpe),
        "glass" => Some(Material::Glass),
        "concrete" | "stone" => Some(Material::Concrete),
        _ => None,
    }
}

/// What the reader found, plus the payload's dimensions (in metres) when the theme gave
/// them: (radius or half edge, optional length for cylinders).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Read {
    /// The reading as recorded in the plan.
    pub reading: ThemeReading,
    /// Ball radius, cube edge or cylinder radius in metres, when given.
    pub payload_size_m: Option<f64>,
    /// Cylinder length in metres, when given.
    pub payload_length_m: Option<f64>,
    /// The size of a container named as the goal ("a 10 cm cup"), in metres.
    pub container_size_m: Option<f64>,
    /// All words.
    pub words: Vec<String>,
}

/// Reads `theme`.
pub fn read(theme: &str) -> Read {
    let ws = words(theme);
    let mut r = Read {
        words: ws.clone(),
        ..Default::default()
    };
    let shape_at = ws.iter().position(|w| shape_of(w).is_some());
    r.reading.shape = shape_at.and_then(|i| shape_of(&ws[i])).map(str::to_string);
    r.reading.material = ws.iter().find_map(|w| material_of(w));
    for w in &ws {
        let s = if VERBS.contains(&w.as_str()) || OBSTACLES.contains(&w.as_str()) {
            w.clone()
        } else {
            singular(w).to_string()
        };
        if VERBS.contains(&s.as_str()) && !r.reading.verbs.contains(&s) {
            r.reading.verbs.push(s.clone());
        }
        if OBSTACLES.contains(&s.as_str()) && !r.reading.obstacles.contains(&s) {
            r.reading.obstacles.push(s);
        }
    }
    let nums = numbers(&ws);
    // A number without a unit takes the unit of a neighbour ("r 35 x 120 mm"), else mm when
    // it is 10 or more (nobody writes a 35 m payload), else m.
    let any_unit = nums
        .iter()
        .find_map(|n| n.unit.as_deref().filter(|u| unit_factor(u).is_some()))
        .map(str::to_string);
    for n in &nums {
        if let Some(u) = &n.unit {
            if is_angle_unit(u) {
                r.reading.angles_deg.push(n.value);
                continue;
            }
        }
        let factor = match &n.unit {
            Some(u) => match unit_factor(u) {
                Some(f) => f,
                None => continue,
            },
            None => match &any_unit {
                Some(u) => unit_factor(u).unwrap_or(1e-3),
                None if n.value >= 10.0 => 1e-3,
                None => 1.0,
            },
        };
        let value_m = n.value * factor;
        let before = |k: usize| {
            n.at.checked_sub(k)
                .and_then(|i| ws.get(i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let after = |k: usize| ws.get(n.end + k).map(String::as_str).unwrap_or("");
        let classify = |near: &[&str]| -> &'static str {
            let has = |list: &[&str]| {
                near.iter()
                    .any(|w| list.contains(w) || list.contains(&singular(w)))
            };
            if has(&["radius", "r"]) {
                "radius"
            } else if has(&["diameter", "d", "dia"]) {
                "diameter"
            } else if near.first() == Some(&"long") || has(&["length"]) {
                "length"
            } else if has(&["gap"]) {
                "gap"
            } else if has(&["higher", "high", "height", "tall", "up", "above"]) {
                "height"
            } else if has(&["from", "drop", "fall"]) {
                "drop"
            } else if has(&["sideways", "away", "along", "distance", "far", "across"]) {
                "distance"
            } else if near.iter().any(|w| CONTAINERS.contains(&singular(w))) {
                "container"
            } else if near
                .iter()
                .any(|w| shape_of(w).is_some() || material_of(w).is_some())
            {
                "size"
            } else {
                ""
            }
        };
        // The nearest words decide first ("40mm radius, 1m sideways": 1m is the distance).
        let mut context = if before(1) == "x" {
            "length"
        } else {
            classify(&[after(1)])
        };
        if context.is_empty() {
            context = classify(&[before(1)]);
        }
        if context.is_empty() {
            context = classify(&[after(2), before(2)]);
        }
        match context {
            "radius" if r.payload_size_m.is_none() => r.payload_size_m = Some(value_m),
            "diameter" if r.payload_size_m.is_none() => r.payload_size_m = Some(value_m / 2.0),
            "length" => r.payload_length_m = Some(value_m),
            "size" if r.payload_size_m.is_none() => {
                // "a 90 mm ball" is its diameter; "a 60 mm cube" its edge.
                r.payload_size_m = Some(match r.reading.shape.as_deref() {
                    Some("box") => value_m,
                    _ => value_m / 2.0,
                })
            }
            "container" => r.container_size_m = Some(value_m),
            _ => {}
        }
        r.reading.quantities.push(Quantity {
            value_m,
            context: context.to_string(),
        });
    }
    r.reading.size_m = r.payload_size_m;
    r
}

impl Read {
    /// The first quantity read with `context`, in metres.
    pub fn quantity(&self, context: &str) -> Option<f64> {
        self.reading
            .quantities
            .iter()
            .find(|q| q.context == context)
            .map(|q| q.value_m)
    }

    /// True when a word of the theme (singular) is `w`.
    pub fn has_word(&self, w: &str) -> bool {
        self.words.iter().any(|x| singular(x) == w || x == w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_steel_ball_with_radius_and_distance() {
        let r = read("move a steel ball 40mm radius, 1m sideways");
        assert_eq!(r.reading.shape.as_deref(), Some("sphere"));
        assert_eq!(r.reading.material, Some(Material::Steel));
        assert_eq!(r.payload_size_m, Some(0.04));
        assert_eq!(r.quantity("distance"), Some(1.0));
        assert!(r.reading.verbs.contains(&"sideways".to_string()));
    }

    #[test]
    fn reads_a_cube_edge_and_a_gap() {
        let r = read("a 60 mm HDPE cube must cross a 180 mm gap");
        assert_eq!(r.reading.shape.as_deref(), Some("box"));
        assert_eq!(r.reading.material, Some(Material::Hdpe));
        assert!((r.payload_size_m.unwrap() - 0.06).abs() < 1e-12);
        assert!((r.quantity("gap").unwrap() - 0.18).abs() < 1e-12);
    }

    #[test]
    fn reads_a_cylinder_radius_and_length_without_units() {
        let r = read("an aluminium cylinder r 35 x 120");
        assert_eq!(r.reading.shape.as_deref(), Some("cylinder"));
        assert_eq!(r.reading.material, Some(Material::Aluminium));
        assert!((r.payload_size_m.unwrap() - 0.035).abs() < 1e-12);
        assert!((r.payload_length_m.unwrap() - 0.12).abs() < 1e-12);
    }

    #[test]
    fn reads_heights_drops_and_angles() {
        let r = read("lift a 90 mm ABS ball onto a shelf 250 mm higher");
        assert!((r.payload_size_m.unwrap() - 0.045).abs() < 1e-12);
        assert!((r.quantity("height").unwrap() - 0.25).abs() < 1e-12);
        let d = read("drop an ABS sphere from 120 mm onto a 30° deflector ramp");
        assert!((d.quantity("drop").unwrap() - 0.12).abs() < 1e-12);
        assert_eq!(d.reading.angles_deg, vec![30.0]);
        assert!(d.reading.obstacles.contains(&"deflector".to_string()));
    }

    #[test]
    fn reads_a_container_size() {
        let r = read("a 2 m ball into a 10 cm cup");
        assert!((r.payload_size_m.unwrap() - 1.0).abs() < 1e-12);
        assert!((r.container_size_m.unwrap() - 0.1).abs() < 1e-12);
    }
}
