//! The standard view angles and a perspective camera framed on the simulation bounds.

use super::math::V3;
use crate::scene::Aabb;

/// Elevations of the standard views, in degrees above the horizon.
pub const STANDARD_ELEVATIONS_DEG: [u32; 3] = [15, 45, 75];
/// Azimuth step of the standard views, in degrees (8 azimuths).
pub const AZIMUTH_STEP_DEG: u32 = 45;
/// Camera distance from the scene centre, in radii of the bounds' bounding sphere; far
/// enough for mild perspective.
const DISTANCE_IN_RADII: f32 = 3.0;
/// Share of the viewport the framed bounds may fill.
const FILL: f32 = 0.94;

/// A viewing direction: where the camera sits as seen from the scene centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ViewAngle {
    /// Degrees above the horizon (0 = level, 90 = straight down).
    pub elevation_deg: u32,
    /// Degrees counter-clockwise from +X about +Z (0 = camera on the +X side).
    pub azimuth_deg: u32,
}

impl ViewAngle {
    /// The file stem of this view, e.g. `view_e45_a090`.
    pub fn name(&self) -> String {
        format!("view_{}", self.suffix())
    }

    /// The angle part of file names, e.g. `e45_a090`.
    pub fn suffix(&self) -> String {
        format!("e{:02}_a{:03}", self.elevation_deg, self.azimuth_deg)
    }

    /// The 24 standard views: elevations 15°, 45°, 75° × azimuths every 45°, in that order.
    pub fn standard() -> Vec<ViewAngle> {
        STANDARD_ELEVATIONS_DEG
            .iter()
            .flat_map(|&elevation_deg| {
                (0..360 / AZIMUTH_STEP_DEG).map(move |k| ViewAngle {
                    elevation_deg,
                    azimuth_deg: k * AZIMUTH_STEP_DEG,
                })
            })
            .collect()
    }

    /// `count` of the standard views, spread over azimuths and elevations: the standard views
    /// taken azimuth by azimuth (each azimuth's three elevations in turn), every
    /// `24 / count`-th. All 24 when `count` is 24 or more; 6 gives one view per 60° or so of
    /// azimuth, elevations cycling 15°, 45°, 75°.
    pub fn spread(count: usize) -> Vec<ViewAngle> {
        let mut by_azimuth = Self::standard();
        if count >= by_azimuth.len() {
            return by_azimuth;
        }
        by_azimuth.sort_by_key(|v| (v.azimuth_deg, v.elevation_deg));
        let n = by_azimuth.len();
        (0..count.max(1))
            .map(|i| by_azimuth[i * n / count.max(1)])
            .collect()
    }

    /// The unit viewing direction, from the camera toward the scene, in world axes.
    pub fn direction(&self) -> [f64; 3] {
        let (e, a) = (
            f64::from(self.elevation_deg).to_radians(),
            f64::from(self.azimuth_deg).to_radians(),
        );
        [-e.cos() * a.cos(), -e.cos() * a.sin(), -e.sin()]
    }

    /// The one view used when a single view is asked for, and for simulation media: a
    /// three-quarter view from the front left, 45° up.
    pub fn hero() -> ViewAngle {
        ViewAngle {
            elevation_deg: 45,
            azimuth_deg: 225,
        }
    }
}

/// A perspective pinhole camera in pixel units.
#[derive(Debug, Clone, Copy)]
pub struct Camera {
    /// Eye position in metres.
    pub eye: V3,
    /// Unit vector to the image's right.
    pub right: V3,
    /// Unit vector to the image's top.
    pub up: V3,
    /// Unit viewing direction.
    pub forward: V3,
    /// Focal length in pixels.
    pub focal_px: f32,
    /// Principal point x in pixels.
    pub cx_px: f32,
    /// Principal point y in pixels (image y grows downwards).
    pub cy_px: f32,
    /// Nearest drawable depth in metres.
    pub near_m: f32,
}

/// A point projected onto the image.
#[derive(Debug, Clone, Copy)]
pub struct Projected {
    /// Pixel x.
    pub x: f32,
    /// Pixel y (downwards).
    pub y: f32,
    /// 1 / depth in 1/m: larger is nearer.
    pub inv_depth: f32,
}

impl Camera {
    /// A camera looking at the centre of `bounds` from `view`, framed so the whole box fits
    /// the pixel rectangle `viewport = [x0, y0, x1, y1]`.
    pub fn framing(bounds: &Aabb, view: ViewAngle, viewport: [f32; 4]) -> Camera {
        let centre = V3::from_scene(bounds.center_m());
        let size = V3::from_scene(bounds.size_m());
        let radius = (size.length() * 0.5).max(1e-3);
        let (e, a) = (
            (view.elevation_deg as f32).to_radians(),
            (view.azimuth_deg as f32).to_radians(),
        );
        let toward_eye = V3::new(e.cos() * a.cos(), e.cos() * a.sin(), e.sin());
        let forward = -toward_eye;
        let mut right = forward.cross(V3::new(0.0, 0.0, 1.0));
        if right.length() < 1e-4 {
            right = V3::new(1.0, 0.0, 0.0);
        }
        let right = right.normalized();
        let up = right.cross(forward).normalized();
        let eye = centre + toward_eye * (DISTANCE_IN_RADII * radius);
        let mut cam = Camera {
            eye,
            right,
            up,
            forward,
            focal_px: 1.0,
            cx_px: 0.0,
            cy_px: 0.0,
            near_m: radius * 0.05,
        };
        let (mut u0, mut u1, mut v0, mut v1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for i in 0..8 {
            let corner = V3::new(
                if i & 1 == 0 {
                    bounds.min_m[0]
                } else {
                    bounds.max_m[0]
                } as f32,
                if i & 2 == 0 {
                    bounds.min_m[1]
                } else {
                    bounds.max_m[1]
                } as f32,
                if i & 4 == 0 {
                    bounds.min_m[2]
                } else {
                    bounds.max_m[2]
                } as f32,
            );
            let p = cam
                .project(corner)
                .expect("the bounds lie in front of the eye");
            u0 = u0.min(p.x);
            u1 = u1.max(p.x);
            v0 = v0.min(-p.y);
            v1 = v1.max(-p.y);
        }
        let [x0, y0, x1, y1] = viewport;
        let focal =
            ((x1 - x0) * FILL / (u1 - u0).max(1e-6)).min((y1 - y0) * FILL / (v1 - v0).max(1e-6));
        cam.focal_px = focal;
        cam.cx_px = 0.5 * (x0 + x1) - focal * 0.5 * (u0 + u1);
        cam.cy_px = 0.5 * (y0 + y1) + focal * 0.5 * (v0 + v1);
        cam
    }

    /// Projects a world point; `None` when it lies behind the near plane.
    pub fn project(&self, p: V3) -> Option<Projected> {
        let q = p - self.eye;
        let depth = q.dot(self.forward);
        if depth.is_nan() || depth < self.near_m {
            return None;
        }
        let inv = 1.0 / depth;
        Some(Projected {
            x: self.cx_px + self.focal_px * q.dot(self.right) * inv,
            y: self.cy_px - self.focal_px * q.dot(self.up) * inv,
            inv_depth: inv,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_views_are_24_with_expected_names() {
        let views = ViewAngle::standard();
        assert_eq!(views.len(), 24);
        assert_eq!(views[0].name(), "view_e15_a000");
        assert_eq!(views[10].name(), "view_e45_a090");
        assert_eq!(views[23].name(), "view_e75_a315");
    }

    #[test]
    fn a_spread_of_six_covers_every_elevation_and_half_the_azimuths() {
        let six = ViewAngle::spread(6);
        let names: Vec<String> = six.iter().map(|v| v.name()).collect();
        assert_eq!(
            names,
            [
                "view_e15_a000",
                "view_e45_a045",
                "view_e75_a090",
                "view_e15_a180",
                "view_e45_a225",
                "view_e75_a270"
            ]
        );
        assert_eq!(ViewAngle::spread(24), ViewAngle::standard());
        assert_eq!(ViewAngle::spread(1).len(), 1);
    }

    #[test]
    fn framing_keeps_every_bounds_corner_inside_the_viewport() {
        let bounds = Aabb::new([-2.0, -0.5, 0.0], [2.0, 0.5, 0.3]);
        for view in ViewAngle::standard() {
            let cam = Camera::framing(&bounds, view, [0.0, 0.0, 512.0, 384.0]);
            for i in 0..8 {
                let c = V3::new(
                    if i & 1 == 0 { -2.0 } else { 2.0 },
                    if i & 2 == 0 { -0.5 } else { 0.5 },
                    if i & 4 == 0 { 0.0 } else { 0.3 },
                );
                let p = cam.project(c).unwrap();
                assert!(
                    (0.0..=512.0).contains(&p.x) && (0.0..=384.0).contains(&p.y),
                    "{view:?} {p:?}"
                );
            }
        }
    }
}

/// What a view chosen for the task shows (see [`task_views`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    /// From the side, looking perpendicular to the payload's displacement (start → goal
    /// centre): a rise or a drop shows as height on the image, the motion runs left to right.
    Side,
    /// From above (89° up), the motion running left to right: the layout and the clearances.
    Top,
    /// From behind the payload's start, 30° up, looking along the displacement: what lies on
    /// the path.
    AlongPath,
}

impl ViewKind {
    /// Every kind, in the order a Reviewer is shown them.
    pub const ALL: [ViewKind; 3] = [ViewKind::Side, ViewKind::Top, ViewKind::AlongPath];

    /// The lowercase name used in file names and prompts: `side`, `top`, `along_path`.
    pub fn name(self) -> &'static str {
        match self {
            ViewKind::Side => "side",
            ViewKind::Top => "top",
            ViewKind::AlongPath => "along_path",
        }
    }
}

/// A view chosen for the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskView {
    /// What it shows.
    pub kind: ViewKind,
    /// Where the camera sits.
    pub angle: ViewAngle,
}

/// Elevation of the side view when the displacement is nearly level, in degrees: any
/// elevation is then perpendicular to it, and a little height shows the floor.
const LEVEL_SIDE_ELEVATION_DEG: u32 = 20;
/// A displacement rising or dropping more than this share of its length is seen from a level
/// camera, so the view stays perpendicular to it.
const LEVEL_SHARE: f64 = 0.05;

/// The views that show a task whose payload starts at `start_m` and must reach the centre of
/// the goal zone `goal_centre_m`: side (perpendicular to the displacement), top and along the
/// path, in [`ViewKind::ALL`] order. Angles are whole degrees, so the side view is
/// perpendicular to the displacement within 1°.
pub fn task_views(start_m: [f64; 3], goal_centre_m: [f64; 3]) -> Vec<TaskView> {
    let d = [
        goal_centre_m[0] - start_m[0],
        goal_centre_m[1] - start_m[1],
        goal_centre_m[2] - start_m[2],
    ];
    let level = d[0].hypot(d[1]);
    let length = level.hypot(d[2]);
    // A purely vertical task has no heading: look along +y then, x to the right.
    let heading_deg = if level > 1e-6 {
        d[1].atan2(d[0]).to_degrees()
    } else {
        0.0
    };
    let azimuth = |deg: f64| deg.round().rem_euclid(360.0) as u32 % 360;
    // A camera at heading − 90° has the heading on the image's right.
    let side_azimuth = azimuth(heading_deg - 90.0);
    let side_elevation = if length > 0.0 && d[2].abs() > LEVEL_SHARE * length {
        0
    } else {
        LEVEL_SIDE_ELEVATION_DEG
    };
    vec![
        TaskView {
            kind: ViewKind::Side,
            angle: ViewAngle {
                elevation_deg: side_elevation,
                azimuth_deg: side_azimuth,
            },
        },
        TaskView {
            kind: ViewKind::Top,
            angle: ViewAngle {
                elevation_deg: 89,
                azimuth_deg: side_azimuth,
            },
        },
        TaskView {
            kind: ViewKind::AlongPath,
            angle: ViewAngle {
                elevation_deg: 30,
                azimuth_deg: azimuth(heading_deg + 180.0),
            },
        },
    ]
}

#[cfg(test)]
mod task_view_tests {
    use super::*;

    fn angle_to_deg(a: [f64; 3], b: [f64; 3]) -> f64 {
        let dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        let n =
            (a.iter().map(|v| v * v).sum::<f64>() * b.iter().map(|v| v * v).sum::<f64>()).sqrt();
        (dot / n).clamp(-1.0, 1.0).acos().to_degrees()
    }

    #[test]
    fn the_side_view_is_perpendicular_to_rises_drops_and_level_moves() {
        for goal in [
            [0.3, 0.0, 0.25],  // a rise onto a shelf
            [0.4, -0.3, -0.5], // a drop, diagonal
            [-0.6, 0.2, 0.0],  // level, toward -x
            [0.0, 0.0, 0.4],   // straight up
        ] {
            let views = task_views([0.0; 3], goal);
            let side = views.iter().find(|v| v.kind == ViewKind::Side).unwrap();
            let off = (angle_to_deg(side.angle.direction(), goal) - 90.0).abs();
            assert!(
                off < 1.0,
                "{goal:?}: side view {:?} is {off:.2}° off perpendicular",
                side.angle
            );
        }
    }

    #[test]
    fn the_along_path_view_looks_along_the_level_displacement() {
        let views = task_views([0.0; 3], [0.0, 1.0, 0.0]);
        let along = views
            .iter()
            .find(|v| v.kind == ViewKind::AlongPath)
            .unwrap();
        let d = along.angle.direction();
        assert!(
            angle_to_deg([d[0], d[1], 0.0], [0.0, 1.0, 0.0]) < 1.0,
            "{along:?}"
        );
        let top = views.iter().find(|v| v.kind == ViewKind::Top).unwrap();
        assert!(top.angle.direction()[2] < -0.99);
    }
}
