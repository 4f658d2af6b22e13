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

/// The seed stream of a benchmark: a number derived from its id, so the seed `k` of one
/// benchmark draws other scales, spawns and script numbers than the seed `k` of another
/// (0 is the plain stream of a lone script: seed `k` is used as it is).
pub fn seed_stream(benchmark_id: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(benchmark_id.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    // Never 0: that is the plain stream.
    u64::from_le_bytes(bytes).max(1)
}

/// The number the variant `seed` of stream `stream` is built and sampled with: `seed` itself
/// on the plain stream 0, else a mix of both (the same pair always gives the same number).
pub fn variant_seed(stream: u64, seed: u64) -> u64 {
    if stream == 0 {
        return seed;
    }
    SeededRng::new(seed, stream).next_u64()
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

    #[test]
    fn streams_decorrelate_the_same_seed_across_benchmarks() {
        let (a, b) = (seed_stream("aaaa-000"), seed_stream("aaaa-001"));
        assert_ne!(a, b);
        assert_eq!(variant_seed(0, 5), 5);
        assert_eq!(variant_seed(a, 5), variant_seed(a, 5));
        assert_ne!(variant_seed(a, 0), variant_seed(b, 0));
        let ranges = ScaleRanges::default();
        assert_ne!(
            ranges.sample(variant_seed(a, 0)),
            ranges.sample(variant_seed(b, 0))
        );
    }
}
