//! Number-and-unit extraction: splits a theme into words and numbers, and reads every number
//! with its unit (mm, cm, m, in, °, g, kg). Shared by the procedural grammar and by the
//! cross-check of a language model's intent, so both see the same numbers.

use serde::{Deserialize, Serialize};

/// A unit a theme may write after a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Millimetres.
    Mm,
    /// Centimetres.
    Cm,
    /// Metres.
    M,
    /// Inches (25.4 mm).
    In,
    /// Degrees of angle.
    Deg,
    /// Grams.
    G,
    /// Kilograms.
    Kg,
}

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A length, in metres once converted.
    Length,
    /// An angle, in degrees.
    Angle,
    /// A mass, in kilograms once converted.
    Mass,
}

impl Unit {
    /// The unit a word names, if any ("mm", "millimetres", "°", "kg"...).
    pub fn from_word(w: &str) -> Option<Unit> {
        Some(match w {
            "mm" | "millimetre" | "millimetres" | "millimeter" | "millimeters" => Unit::Mm,
            "cm" | "centimetre" | "centimetres" | "centimeter" | "centimeters" => Unit::Cm,
            "m" | "metre" | "metres" | "meter" | "meters" => Unit::M,
            "in" | "inch" | "inches" | "\"" => Unit::In,
            "°" | "deg" | "degree" | "degrees" => Unit::Deg,
            "g" | "gram" | "grams" => Unit::G,
            "kg" | "kilogram" | "kilograms" => Unit::Kg,
            _ => return None,
        })
    }

    /// What the unit measures.
    pub fn kind(self) -> UnitKind {
        match self {
            Unit::Mm | Unit::Cm | Unit::M | Unit::In => UnitKind::Length,
            Unit::Deg => UnitKind::Angle,
            Unit::G | Unit::Kg => UnitKind::Mass,
        }
    }

    /// Factor to SI (metres, kilograms; degrees stay degrees).
    pub fn to_si(self) -> f64 {
        match self {
            Unit::Mm => 1e-3,
            Unit::Cm => 1e-2,
            Unit::M => 1.0,
            Unit::In => 0.0254,
            Unit::Deg => 1.0,
            Unit::G => 1e-3,
            Unit::Kg => 1.0,
        }
    }

    /// The unit's short symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Mm => "mm",
            Unit::Cm => "cm",
            Unit::M => "m",
            Unit::In => "in",
            Unit::Deg => "°",
            Unit::G => "g",
            Unit::Kg => "kg",
        }
    }
}

/// One token of a theme.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// A lowercase word.
    Word(String),
    /// A number, with its unit when one was written right after it.
    Number(Number),
    /// `x`, `×` or `by` between two numbers ("300 x 20 mm").
    Times,
    /// A comma, semicolon or full stop.
    Break,
}

/// A number as written, with its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// The value as written (in its own unit).
    pub value: f64,
    /// The unit, when the theme gave one.
    pub unit: Option<Unit>,
    /// Letters glued to the number that are no unit ("3rd"), if any.
    pub junk: Option<String>,
    /// The number and unit as the theme wrote them, e.g. "250 mm".
    pub text: String,
}

impl Number {
    /// The value in SI units (metres, kilograms; degrees for angles), when it has a unit.
    pub fn si(&self) -> Option<f64> {
        self.unit.map(|u| self.value * u.to_si())
    }
}

/// Words a count may be written as.
pub fn count_word(w: &str) -> Option<u32> {
    Some(match w {
        "a" | "an" | "one" | "single" => 1,
        "two" | "pair" | "both" | "twin" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        _ => return None,
    })
}

/// Splits `theme` into tokens: lowercase words, numbers with their units, `x` between
/// numbers, and breaks. A unit shared by a chain ("300 x 20 mm") is given to every number
/// of the chain.
pub fn tokenize(theme: &str) -> Vec<Token> {
    let mut raw: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = theme.to_lowercase().chars().collect();
    let flush = |cur: &mut String, raw: &mut Vec<String>| {
        if !cur.is_empty() {
            raw.push(std::mem::take(cur));
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        let digit_around = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|n| n.is_ascii_digit())
        };
        if c.is_alphanumeric() {
            // "40mm" stays one token; "x" between digits ("300x20") splits.
            if c == 'x' && digit_around(i.checked_sub(1)) && digit_around(Some(i + 1)) {
                flush(&mut cur, &mut raw);
                raw.push("x".into());
                continue;
            }
            cur.push(c);
        } else if c == '.' && digit_around(i.checked_sub(1)) && digit_around(Some(i + 1)) {
            cur.push(c);
        } else if c == '°' || c == '×' || c == '"' || c == 'ø' {
            flush(&mut cur, &mut raw);
            raw.push(if c == '×' { "x".into() } else { c.to_string() });
        } else if c == ',' || c == ';' || c == '.' || c == ':' {
            flush(&mut cur, &mut raw);
            raw.push(",".into());
        } else {
            // Spaces, hyphens ("S-shaped", "250-mm"), brackets and the rest split words.
            flush(&mut cur, &mut raw);
        }
    }
    flush(&mut cur, &mut raw);

    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let w = &raw[i];
        if w == "," {
            out.push(Token::Break);
            i += 1;
            continue;
        }
        if let Some((value, rest)) = split_number(w) {
            let mut number = Number {
                value,
                unit: None,
                junk: None,
                text: w.clone(),
            };
            if !rest.is_empty() {
                match Unit::from_word(&rest) {
                    Some(u) => number.unit = Some(u),
                    None => number.junk = Some(rest),
                }
            } else if let Some(next) = raw.get(i + 1) {
                // "2 in a bin" is a count, "2 in" (followed by no article) is inches.
                let article_after = raw
                    .get(i + 2)
                    .is_some_and(|a| matches!(a.as_str(), "a" | "an" | "the" | "its" | "each"));
                if let Some(u) = Unit::from_word(next) {
                    if !(u == Unit::In && article_after) {
                        number.unit = Some(u);
                        number.text = format!("{w} {next}");
                        i += 1;
                    }
                }
            }
            out.push(Token::Number(number));
            i += 1;
            continue;
        }
        let between_numbers = matches!(out.last(), Some(Token::Number(_)))
            && raw.get(i + 1).is_some_and(|n| split_number(n).is_some());
        if (w == "x" || w == "by") && between_numbers {
            out.push(Token::Times);
        } else {
            out.push(Token::Word(w.clone()));
        }
        i += 1;
    }
    share_chain_units(&mut out);
    out
}

/// Gives the unit written at the end of a `A x B x C unit` chain to every number in it.
fn share_chain_units(tokens: &mut [Token]) {
    let mut i = 0;
    while i < tokens.len() {
        if !matches!(tokens[i], Token::Number(_)) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 2 < tokens.len()
            && tokens[j + 1] == Token::Times
            && matches!(tokens[j + 2], Token::Number(_))
        {
            j += 2;
        }
        let unit = match &tokens[j] {
            Token::Number(last) if j > i => last.unit,
            _ => None,
        };
        if let Some(unit) = unit {
            for t in tokens[i..j].iter_mut() {
                if let Token::Number(n) = t {
                    if n.unit.is_none() && n.junk.is_none() {
                        n.unit = Some(unit);
                        n.text = format!("{} {}", n.text, unit.symbol());
                    }
                }
            }
        }
        i = j + 1;
    }
}

fn split_number(w: &str) -> Option<(f64, String)> {
    let digits: String = w
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if digits.is_empty() || !w.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    Some((value, w[digits.len()..].to_string()))
}

/// Every number of `theme` with its unit, in order (what a plan must account for).
pub fn numbers(theme: &str) -> Vec<Number> {
    tokenize(theme)
        .into_iter()
        .filter_map(|t| match t {
            Token::Number(n) => Some(n),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_spaced_and_chained_units_are_read() {
        let n = numbers("a 40mm ball, 1.5 kg, 30° ramp, a 300 x 20 mm rod and 2 in");
        let got: Vec<(f64, Option<Unit>)> = n.iter().map(|n| (n.value, n.unit)).collect();
        assert_eq!(
            got,
            vec![
                (40.0, Some(Unit::Mm)),
                (1.5, Some(Unit::Kg)),
                (30.0, Some(Unit::Deg)),
                (300.0, Some(Unit::Mm)),
                (20.0, Some(Unit::Mm)),
                (2.0, Some(Unit::In)),
            ]
        );
        assert!((n[5].si().unwrap() - 0.0508).abs() < 1e-12);
    }

    #[test]
    fn a_number_before_in_a_is_no_inch_and_a_bare_number_has_no_unit() {
        let n = numbers("put 2 in a bin; r 35 x 120");
        assert!(n.iter().all(|n| n.unit.is_none()), "{n:?}");
    }
}
