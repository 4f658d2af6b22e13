//! Printing and comparing arrays and maps within the limits. Rhai's own `to_string`,
//! `to_debug`, `==` and `!=` on arrays and maps walk the whole value recursively as one
//! operation, so a deeply nested or huge value costs unbounded stack, time and memory
//! between two progress checks. These replacements (registered in the engine's own
//! namespace, which Rhai searches before any package) measure the value first and refuse it
//! with the limit it breaks; string interpolation and `+` on strings go through `to_string`
//! and are bounded the same way.

use rhai::{Array, Dynamic, Engine, Map};

use super::error::{over_limit, ApiResult};
use super::limits::{items_excess, Limit};

fn refused(limit: Option<Limit>, what: &str) -> ApiResult<()> {
    match limit {
        Some(limit) => over_limit(limit, format!("while {what}; keep data small and flat")),
        None => Ok(()),
    }
}

fn array_ok(a: &Array, what: &str) -> ApiResult<()> {
    refused(items_excess(a.iter(), false), what)
}

fn map_ok(m: &Map, what: &str) -> ApiResult<()> {
    refused(items_excess(m.values(), true), what)
}

/// The value as Rhai prints it; the caller has checked it is within the limits.
fn bounded_text(value: Dynamic, what: &str) -> ApiResult<String> {
    let text = value.to_string();
    let limit = super::limits::call_limits().script_string_bytes;
    if text.len() as u64 > limit {
        return over_limit(
            Limit::StringSize,
            format!("{what} would make a string of {} bytes", text.len()),
        );
    }
    Ok(text)
}

/// Structural equality, numbers compared by value (`1 == 1.0`), other types never equal
/// (the scene handles have no `==`). Depth is bounded by the nesting check done first.
fn equal(a: &Dynamic, b: &Dynamic) -> bool {
    if let (Ok(x), Ok(y)) = (a.as_array_ref(), b.as_array_ref()) {
        return x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(p, q));
    }
    if let (Ok(x), Ok(y)) = (a.as_map_ref(), b.as_map_ref()) {
        return x.len() == y.len()
            && x.iter()
                .all(|(k, v)| y.get(k.as_str()).is_some_and(|w| equal(v, w)));
    }
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return x == y;
    }
    if let (Ok(x), Ok(y)) = (a.as_immutable_string_ref(), b.as_immutable_string_ref()) {
        return *x == *y;
    }
    if let (Ok(x), Ok(y)) = (a.as_bool(), b.as_bool()) {
        return x == y;
    }
    if let (Ok(x), Ok(y)) = (a.as_char(), b.as_char()) {
        return x == y;
    }
    a.is_unit() && b.is_unit()
}

fn number(v: &Dynamic) -> Option<f64> {
    v.as_int().map(|i| i as f64).or_else(|_| v.as_float()).ok()
}

const COMPARING: &str = "comparing values";

fn arrays_equal(a: &mut Array, b: Array) -> ApiResult<bool> {
    array_ok(a, COMPARING)?;
    array_ok(&b, COMPARING)?;
    Ok(a.len() == b.len() && a.iter().zip(b.iter()).all(|(p, q)| equal(p, q)))
}

fn maps_equal(a: &mut Map, b: Map) -> ApiResult<bool> {
    map_ok(a, COMPARING)?;
    map_ok(&b, COMPARING)?;
    Ok(a.len() == b.len()
        && a.iter()
            .all(|(k, v)| b.get(k.as_str()).is_some_and(|w| equal(v, w))))
}

/// Registers the bounded `to_string`, `to_debug`, `==` and `!=` for arrays and maps.
pub(crate) fn register(engine: &mut Engine) {
    for name in ["to_string", "to_debug"] {
        engine.register_fn(name, |a: &mut Array| {
            array_ok(a, "printing an array")?;
            bounded_text(Dynamic::from_array(a.clone()), "printing an array")
        });
        engine.register_fn(name, |m: &mut Map| {
            map_ok(m, "printing a map")?;
            bounded_text(Dynamic::from_map(m.clone()), "printing a map")
        });
    }
    engine.register_fn("==", arrays_equal);
    engine.register_fn("!=", |a: &mut Array, b: Array| {
        arrays_equal(a, b).map(|eq| !eq)
    });
    engine.register_fn("==", maps_equal);
    engine.register_fn("!=", |a: &mut Map, b: Map| maps_equal(a, b).map(|eq| !eq));
}
