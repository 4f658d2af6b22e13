//! The small vector and pose algebra the renderer needs, in `f32` for speed.

use crate::scene::{self, Vec3 as SceneVec3};

/// A 3-vector in metres (or a unitless direction), `f32`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct V3 {
    /// x component.
    pub x: f32,
    /// y component.
    pub y: f32,
    /// z component.
    pub z: f32,
}

impl V3 {
    /// A vector from its components.
    pub const fn new(x: f32, y: f32, z: f32) -> Self {
        Self { x, y, z }
    }

    /// A vector from a scene `[f64; 3]`.
    pub fn from_scene(v: SceneVec3) -> Self {
        Self::new(v[0] as f32, v[1] as f32, v[2] as f32)
    }

    /// Dot product.
    pub fn dot(self, o: V3) -> f32 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    /// Cross product.
    pub fn cross(self, o: V3) -> V3 {
        V3::new(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }

    /// Euclidean length.
    pub fn length(self) -> f32 {
        self.dot(self).sqrt()
    }

    /// The unit vector along `self`, or zero for a zero vector.
    pub fn normalized(self) -> V3 {
        let len = self.length();
        if len > 0.0 {
            self * (1.0 / len)
        } else {
            V3::default()
        }
    }

    /// True when every component is finite.
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite() && self.z.is_finite()
    }
}

impl std::ops::Add for V3 {
    type Output = V3;
    fn add(self, o: V3) -> V3 {
        V3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl std::ops::Sub for V3 {
    type Output = V3;
    fn sub(self, o: V3) -> V3 {
        V3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl std::ops::Mul<f32> for V3 {
    type Output = V3;
    fn mul(self, s: f32) -> V3 {
        V3::new(self.x * s, self.y * s, self.z * s)
    }
}

impl std::ops::Neg for V3 {
    type Output = V3;
    fn neg(self) -> V3 {
        V3::new(-self.x, -self.y, -self.z)
    }
}

/// A rigid transform: rotation as a unit quaternion `[w, x, y, z]`, then translation in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rigid {
    /// Unit quaternion `[w, x, y, z]`.
    pub rotation_wxyz: [f32; 4],
    /// Translation in metres.
    pub translation_m: V3,
}

impl Rigid {
    /// From a translation and a quaternion `[w, x, y, z]` (normalized here).
    pub fn new(translation_m: V3, rotation_wxyz: [f64; 4]) -> Self {
        let n = rotation_wxyz.iter().map(|c| c * c).sum::<f64>().sqrt();
        let q = if n > 0.0 && n.is_finite() {
            rotation_wxyz.map(|c| (c / n) as f32)
        } else {
            [1.0, 0.0, 0.0, 0.0]
        };
        Self {
            rotation_wxyz: q,
            translation_m,
        }
    }

    /// From a scene pose (Euler degrees, extrinsic X→Y→Z).
    pub fn from_pose(pose: &scene::Pose) -> Self {
        Self::new(
            V3::from_scene(pose.position_m),
            scene::rotation::quaternion_from_euler_deg(pose.rotation_deg),
        )
    }

    /// Rotates a vector.
    pub fn rotate(&self, v: V3) -> V3 {
        let [w, x, y, z] = self.rotation_wxyz;
        let t = V3::new(
            2.0 * (y * v.z - z * v.y),
            2.0 * (z * v.x - x * v.z),
            2.0 * (x * v.y - y * v.x),
        );
        V3::new(
            v.x + w * t.x + (y * t.z - z * t.y),
            v.y + w * t.y + (z * t.x - x * t.z),
            v.z + w * t.z + (x * t.y - y * t.x),
        )
    }

    /// Applies the transform to a point.
    pub fn apply(&self, p: V3) -> V3 {
        self.rotate(p) + self.translation_m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pose_rotation_matches_the_scene_helper() {
        let pose = scene::Pose {
            position_m: [1.0, 2.0, 3.0],
            rotation_deg: [30.0, -20.0, 75.0],
        };
        let rigid = Rigid::from_pose(&pose);
        let v = [0.3, -0.7, 0.2];
        let expected = scene::rotation::rotate(pose.rotation_deg, v);
        let got = rigid.rotate(V3::from_scene(v));
        assert!((got.x as f64 - expected[0]).abs() < 1e-5);
        assert!((got.y as f64 - expected[1]).abs() < 1e-5);
        assert!((got.z as f64 - expected[2]).abs() < 1e-5);
    }
}
