//! Fault injection compiled out: every point is inert.

use super::FaultPoint;

/// Does nothing: faults are compiled in only with the `fault-injection` feature.
#[inline(always)]
pub fn hit(_point: FaultPoint) -> Result<(), String> {
    Ok(())
}

/// Does nothing: faults are compiled in only with the `fault-injection` feature.
pub fn set(_spec: &str) -> Result<(), String> {
    Ok(())
}

/// Does nothing: faults are compiled in only with the `fault-injection` feature.
#[inline(always)]
pub fn hit_io(_point: FaultPoint) -> std::io::Result<()> {
    Ok(())
}
