//! What the runtime samples per seed: the per-axis scale handed to `build(seed, scale)`, and
//! the payload's actual size and jittered start.

use serde::{Deserialize, Serialize};

use crate::rng::{stream, SeededRng};
use crate::scene::{Payload, Vec3};

/// Per-axis ranges of the scale factor, `[min, max]` for x, y and z (unitless).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScaleRanges {
    /// Range along x.
    pub x: [f64; 2],
    /// Range along y.
    pub y: [f64; 2],
    /// Range along z.
    pub z: [f64; 2],
}

impl Default for ScaleRanges {
    /// 0.5 to 2.0 on every axis, as DESIGN.md specifies.
    fn default() -> Self {
        Self {
            x: [0.5, 2.0],
            y: [0.5, 2.0],
            z: [0.5, 2.0],
        }
    }
}

impl ScaleRanges {
    /// Every axis pinned to 1 (no scaling).
    pub fn unit() -> Self {
        Self {
            x: [1.0, 1.0],
            y: [1.0, 1.0],
            z: [1.0, 1.0],
        }
    }

    /// The scale for `seed`, sampled uniformly per axis.
    pub fn sample(&self, seed: u64) -> Vec3 {
        let mut rng = SeededRng::new(seed, stream::SCALE);
        [self.x, self.y, self.z].map(|[lo, hi]| if lo == hi { lo } else { rng.uniform(lo, hi) })
    }
}

/// The payload as it actually spawns for one seed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PayloadSpawn {
    /// The sampled uniform size factor applied to the payload's nominal shape.
    pub size_factor: f64,
    /// The jittered start position of the payload's centre, in metres.
    pub start_m: Vec3,
}

impl PayloadSpawn {
    /// Samples the payload's size and start jitter for `seed`.
    pub fn sample(payload: &Payload, seed: u64) -> Self {
        let mut rng = SeededRng::new(seed, stream::PAYLOAD);
        let [lo, hi] = payload.size_factor_range;
        let size_factor = if lo == hi { lo } else { rng.uniform(lo, hi) };
        let mut start_m = payload.start_m;
        for (axis, jitter) in payload.jitter_m.iter().enumerate() {
            if *jitter != 0.0 {
                start_m[axis] += rng.uniform(-jitter.abs(), jitter.abs());
            }
        }
        Self {
            size_factor,
            start_m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_deterministic_within_range_and_vary_by_seed() {
        let ranges = ScaleRanges::default();
        assert_eq!(ranges.sample(3), ranges.sample(3));
        assert_ne!(ranges.sample(3), ranges.sample(4));
        for seed in 0..64 {
            for v in ranges.sample(seed) {
                assert!((0.5..=2.0).contains(&v));
            }
        }
        let pinned = ScaleRanges {
            z: [1.0, 1.0],
            ..ScaleRanges::default()
        };
        assert_eq!(pinned.sample(9)[2], 1.0);
    }
}
