//! Turning script values into checked SI quantities: numbers, `[x, y, z]` arrays, sizes,
//! angles, materials and labels. Every rejection names the argument and what is allowed.

use rhai::{Array, Dynamic, INT};

use super::error::{bad_value, misuse, ApiResult};
use super::limits::{MAX_LABEL_CHARS, MAX_MAGNITUDE_M, MIN_SIZE_M};
use crate::scene::{Material, Vec3, RESERVED_LABELS};

/// A value in words for messages: "an integer (42)", "a string (\"x\")", "an array of 2 elements".
pub(crate) fn describe(value: &Dynamic) -> String {
    if value.is_unit() {
        return "nothing (`()`)".into();
    }
    if let Ok(i) = value.as_int() {
        return format!("an integer ({i})");
    }
    if let Ok(f) = value.as_float() {
        return format!("a number ({f})");
    }
    if let Ok(b) = value.as_bool() {
        return format!("a boolean ({b})");
    }
    if value.is_string() {
        let text = value.clone().into_string().unwrap_or_default();
        let short: String = text.chars().take(40).collect();
        return format!("a string (\"{short}\")");
    }
    if value.is_array() {
        let len = value.as_array_ref().map(|a| a.len()).unwrap_or(0);
        return format!("an array of {len} elements");
    }
    if value.is_map() {
        return "an object map".into();
    }
    match value.type_name() {
        name if name.ends_with("SceneHandle") => "a scene".into(),
        name if name.ends_with("PartHandle") => "a part".into(),
        name if name.ends_with("SolutionHandle") => "a solution".into(),
        name if name.ends_with("JointHandle") => "a joint".into(),
        name if name.ends_with("Generator") => "a generator".into(),
        name => format!("a value of type {name}"),
    }
}

/// A finite number (integers are taken as floats).
pub(crate) fn number(value: &Dynamic, what: &str) -> ApiResult<f64> {
    let v = if let Ok(f) = value.as_float() {
        f
    } else if let Ok(i) = value.as_int() {
        i as f64
    } else {
        return misuse(format!("{what} must be a number, got {}", describe(value)));
    };
    if v.is_nan() {
        return bad_value(format!("{what} is NaN; it must be a finite number"));
    }
    if v.is_infinite() {
        return bad_value(format!("{what} is infinite; it must be a finite number"));
    }
    Ok(v)
}

/// An integer (a float with an integral value is accepted).
pub(crate) fn integer(value: &Dynamic, what: &str) -> ApiResult<INT> {
    if let Ok(i) = value.as_int() {
        return Ok(i);
    }
    let f = number(value, what)?;
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Ok(f as INT)
    } else {
        misuse(format!(
            "{what} must be an integer, got {}; use `rng.uniform(min, max)` for floats",
            describe(value)
        ))
    }
}

/// Three finite numbers `[x, y, z]`.
pub(crate) fn triple(value: &Dynamic, what: &str) -> ApiResult<Vec3> {
    let Some(array) = value.read_lock::<Array>() else {
        return misuse(format!(
            "{what} must be an array [x, y, z] of three numbers, got {}",
            describe(value)
        ));
    };
    if array.len() != 3 {
        return misuse(format!(
            "{what} must be an array [x, y, z] of three numbers, got {} elements",
            array.len()
        ));
    }
    let axes = ["x", "y", "z"];
    let mut out = [0.0; 3];
    for (i, item) in array.iter().enumerate() {
        out[i] = number(item, &format!("{what} {}", axes[i]))?;
    }
    Ok(out)
}

/// A position in metres: finite, within 1 km of the origin on every axis.
pub(crate) fn position(value: &Dynamic, what: &str) -> ApiResult<Vec3> {
    let p = triple(value, what)?;
    for (i, v) in p.iter().enumerate() {
        if v.abs() > MAX_MAGNITUDE_M {
            return bad_value(format!(
                "{what} {} = {v} m is beyond 1 km; coordinates are metres within ±{MAX_MAGNITUDE_M} m",
                ["x", "y", "z"][i]
            ));
        }
    }
    Ok(p)
}

/// A length in metres between 0.1 mm and 1 km.
pub(crate) fn length(value: &Dynamic, what: &str) -> ApiResult<f64> {
    let v = number(value, what)?;
    check_length(v, what)?;
    Ok(v)
}

/// Checks a length in metres between 0.1 mm and 1 km.
pub(crate) fn check_length(v: f64, what: &str) -> ApiResult<()> {
    if v <= 0.0 {
        let sign = if v == 0.0 { "zero" } else { "negative" };
        return bad_value(format!(
            "{what} = {v} m is {sign}; sizes must be positive lengths in metres (at least {MIN_SIZE_M} m)"
        ));
    }
    if v < MIN_SIZE_M {
        return bad_value(format!(
            "{what} = {v} m is below 0.1 mm; sizes are metres, at least {MIN_SIZE_M} m"
        ));
    }
    if v > MAX_MAGNITUDE_M {
        return bad_value(format!(
            "{what} = {v} m is beyond 1 km; sizes are metres, at most {MAX_MAGNITUDE_M} m"
        ));
    }
    Ok(())
}

/// A full size `[sx, sy, sz]` in metres, each between 0.1 mm and 1 km.
pub(crate) fn size(value: &Dynamic, what: &str) -> ApiResult<Vec3> {
    let s = triple(value, what)?;
    for (i, v) in s.iter().enumerate() {
        check_length(*v, &format!("{what} {}", ["x", "y", "z"][i]))?;
    }
    Ok(s)
}

/// Rotation angles `[rx, ry, rz]` in degrees, each within ±360°.
pub(crate) fn rotation(value: &Dynamic) -> ApiResult<Vec3> {
    let r = triple(value, "rotation_deg")?;
    for v in r {
        if v.abs() > 360.0 {
            return bad_value(format!(
                "rotation_deg has {v}°; angles are degrees within ±360"
            ));
        }
    }
    Ok(r)
}

/// A unit direction from a non-zero `[x, y, z]`.
pub(crate) fn direction(value: &Dynamic, what: &str) -> ApiResult<Vec3> {
    let d = triple(value, what)?;
    let norm = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
    if norm <= 1e-9 || !norm.is_finite() {
        return bad_value(format!(
            "{what} is the zero vector; give a direction such as [0.0, 1.0, 0.0]"
        ));
    }
    Ok(d.map(|v| v / norm))
}

/// A material from the built-in table.
pub(crate) fn material(value: &Dynamic) -> ApiResult<Material> {
    let Some(name) = value
        .read_lock::<rhai::ImmutableString>()
        .map(|s| s.to_string())
    else {
        return misuse(format!(
            "material must be a string such as \"wood\", got {}; valid materials: {}",
            describe(value),
            Material::names_list()
        ));
    };
    match Material::from_name(&name) {
        Some(m) => Ok(m),
        None => bad_value(format!(
            "unknown material \"{}\"; valid materials: {}",
            name.chars().take(40).collect::<String>(),
            Material::names_list()
        )),
    }
}

/// A part label: lowercase letters, digits and `_`, starting with a letter, not reserved.
pub(crate) fn label(value: &Dynamic, what: &str) -> ApiResult<String> {
    let Some(text) = value
        .read_lock::<rhai::ImmutableString>()
        .map(|s| s.to_string())
    else {
        return misuse(format!(
            "{what} must be a string such as \"left_deck\", got {}",
            describe(value)
        ));
    };
    check_label(&text, what)?;
    Ok(text)
}

/// Checks the label rules of [`label`].
pub(crate) fn check_label(text: &str, what: &str) -> ApiResult<()> {
    let shown: String = text.chars().take(MAX_LABEL_CHARS).collect();
    if text.is_empty() {
        return bad_value(format!("{what} is empty; use a word such as \"left_deck\""));
    }
    if text.chars().count() > MAX_LABEL_CHARS {
        return bad_value(format!(
            "{what} \"{shown}...\" is longer than {MAX_LABEL_CHARS} characters"
        ));
    }
    let valid = text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return bad_value(format!(
            "{what} \"{shown}\" must be lowercase letters, digits and `_`, starting with a letter (e.g. \"left_deck\")"
        ));
    }
    if RESERVED_LABELS.contains(&text) {
        return bad_value(format!(
            "{what} \"{text}\" is reserved (reserved: {}); choose another name such as \"{text}_part\"",
            RESERVED_LABELS.join(", ")
        ));
    }
    Ok(())
}
