//! The CPU renderer: 24 shaded views per variant, optional depth and segmentation images,
//! and the simulation's contact sheet and GIF.
//!
//! It rasterizes tessellated primitives with a z-buffer (no GPU, no display, no physics
//! engine): the input is a [`Scene`], the payload's actual [`PayloadSpawn`], and optional
//! per-body poses, so the same code draws the start of a variant and every frame of a
//! simulation. Colours go by role: the payload orange, fixed fixtures grey, dynamic fixtures
//! sand, the goal zone translucent green, forbid zones translucent red, the build zone a
//! dashed blue outline, over a ground grid whose spacing the legend states.
//!
//! Identical input gives identical bytes: views are rendered in parallel but each is a pure
//! function of its input, and the encoders use fixed settings. A panic while rendering comes
//! back as [`RenderError::Panicked`].

pub mod camera;
mod draw;
mod encode;
mod font;
mod math;
pub mod media;
mod mesh;
mod raster;
pub mod sim;
mod style;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use camera::{task_views, TaskView, ViewAngle, ViewKind};
pub use media::{render_simulation_media, MediaOptions, SimFrame, SimulationMedia};
pub use sim::{frames_from_trajectory, simulate_media, RunMedia};

use crate::scene::{Pose, Scene, Vec3};
use crate::variant::PayloadSpawn;
use draw::{Overlay, SceneGeometry};
use math::{Rigid, V3};
pub use raster::CaptionBox;
use raster::{Canvas, BACKGROUND_ID};

/// The key under which the payload's pose goes in a pose map.
pub const PAYLOAD_LABEL: &str = "payload";
/// A role counts as visible in a view when it covers at least this many pixels.
pub const MIN_VISIBLE_PIXELS: u32 = 4;
/// The largest image side accepted, in pixels.
pub const MAX_SIDE_PX: u32 = 4096;
/// The smallest image side accepted, in pixels.
pub const MIN_SIDE_PX: u32 = 16;

/// What can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The options cannot be rendered (e.g. a zero image size).
    #[error("invalid render options: {0}")]
    InvalidOptions(String),
    /// An image encoder failed.
    #[error("could not encode an image: {0}")]
    Encode(String),
    /// Rendering panicked; the message says where.
    #[error("rendering panicked: {0}")]
    Panicked(String),
    /// The simulation behind the media could not run.
    #[error("could not simulate the scene for its media: {0}")]
    Simulation(String),
    /// A file could not be written.
    #[error("could not write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Where a body is at one moment: its body frame's position and orientation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BodyPose {
    /// Position of the body frame's origin, in metres.
    pub position_m: Vec3,
    /// Orientation as a unit quaternion `[w, x, y, z]`.
    pub rotation_wxyz: [f64; 4],
}

impl BodyPose {
    /// The pose of a scene [`Pose`] (Euler degrees).
    pub fn from_scene_pose(pose: &Pose) -> BodyPose {
        BodyPose {
            position_m: pose.position_m,
            rotation_wxyz: crate::scene::rotation::quaternion_from_euler_deg(pose.rotation_deg),
        }
    }

    fn to_rigid(self) -> Rigid {
        Rigid::new(V3::from_scene(self.position_m), self.rotation_wxyz)
    }
}

/// Body poses by label (a fixture's label, or [`PAYLOAD_LABEL`]); bodies not listed are
/// drawn where the scene puts them.
pub type BodyPoses = BTreeMap<String, BodyPose>;

/// What a segment of the segmentation image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Nothing: sky.
    Background,
    /// The ground plane under the bounds.
    Ground,
    /// The payload.
    Payload,
    /// The goal zone (its translucent faces, where they are in front of everything but the
    /// payload).
    GoalZone,
    /// A forbid zone (likewise).
    ForbidZone,
    /// A fixed fixture.
    FixedFixture,
    /// A dynamic fixture.
    DynamicFixture,
    /// A part of the reference solution.
    SolutionPart,
}

/// One entry of the segmentation table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentLabel {
    /// The pixel value.
    pub id: u16,
    /// The body's or zone's label (`forbid:<name>` for forbid zones).
    pub label: String,
    /// Its role.
    pub role: Role,
}

impl SegmentLabel {
    fn new(id: u16, label: &str, role: Role) -> SegmentLabel {
        SegmentLabel {
            id,
            label: label.to_string(),
            role,
        }
    }
}

/// How to render the views of a variant.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Image width in pixels.
    pub width_px: u32,
    /// Image height in pixels.
    pub height_px: u32,
    /// The views to render, in output order.
    pub views: Vec<ViewAngle>,
    /// Also produce a depth image per view.
    pub depth: bool,
    /// Also produce a segmentation image per view.
    pub segmentation: bool,
}

impl Default for RenderOptions {
    /// The 24 standard views at 512×384, colour only.
    fn default() -> Self {
        RenderOptions {
            width_px: 512,
            height_px: 384,
            views: ViewAngle::standard(),
            depth: false,
            segmentation: false,
        }
    }
}

impl RenderOptions {
    /// Checks the image size.
    pub fn check(&self) -> Result<(), RenderError> {
        for (name, v) in [("width", self.width_px), ("height", self.height_px)] {
            if !(MIN_SIDE_PX..=MAX_SIDE_PX).contains(&v) {
                return Err(RenderError::InvalidOptions(format!(
                    "image {name} {v} px is outside {MIN_SIDE_PX}..={MAX_SIDE_PX} px"
                )));
            }
        }
        Ok(())
    }
}

/// The per-pixel segment ids of one view and the table that names them.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentationImage {
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// Segment id per pixel, row-major from the top left.
    pub ids: Vec<u16>,
    /// id → label and role (`labels[id].id == id`).
    pub labels: Vec<SegmentLabel>,
    /// The ids as a PNG: indexed colour (pixel value = id, a distinct colour per segment)
    /// when there are at most 256 segments, else 16-bit grey holding the id.
    pub png: Vec<u8>,
}

/// Distance from the camera per pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthImage {
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// Depth along the viewing axis in millimetres, 0 where nothing is drawn.
    pub depth_mm: Vec<u16>,
    /// The same as a 16-bit grey PNG (value = depth in mm).
    pub png: Vec<u8>,
}

/// How many pixels of a view show each role (after translucency: a zone counts where its
/// face is the nearest thing drawn, except that the payload shows through zones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RolePixels {
    /// Payload pixels.
    pub payload: u32,
    /// Goal-zone pixels.
    pub goal_zone: u32,
    /// Pixels of all forbid zones together.
    pub forbid_zones: u32,
    /// Pixels of all fixtures (and solution parts) together.
    pub fixtures: u32,
    /// Pixels showing anything but sky.
    pub non_background: u32,
}

/// One rendered view.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedView {
    /// The view angle.
    pub view: ViewAngle,
    /// File stem, e.g. `view_e45_a090`.
    pub name: String,
    /// The shaded image as PNG bytes.
    pub png: Vec<u8>,
    /// The segmentation, when asked for.
    pub segmentation: Option<SegmentationImage>,
    /// The depth image, when asked for.
    pub depth: Option<DepthImage>,
    /// Pixel counts per role (always measured).
    pub pixels: RolePixels,
    /// Where the zone captions were written (disjoint rectangles).
    pub captions: Vec<CaptionBox>,
}

/// How visible each role is across a set of views.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Visibility {
    /// Number of views measured.
    pub views: usize,
    /// Share of views (0..=1) in which the payload covers at least [`MIN_VISIBLE_PIXELS`].
    pub payload_fraction: f64,
    /// Likewise for the goal zone.
    pub goal_zone_fraction: f64,
    /// Likewise for the forbid zones together (`None` when the scene has none).
    pub forbid_zones_fraction: Option<f64>,
    /// Mean payload pixels per view.
    pub payload_mean_px: f64,
    /// Mean goal-zone pixels per view.
    pub goal_zone_mean_px: f64,
}

impl Visibility {
    /// Measures `views` of a scene with `forbid_zone_count` forbid zones.
    pub fn measure(views: &[RenderedView], forbid_zone_count: usize) -> Visibility {
        let n = views.len().max(1) as f64;
        let share = |f: fn(&RolePixels) -> u32| {
            views
                .iter()
                .filter(|v| f(&v.pixels) >= MIN_VISIBLE_PIXELS)
                .count() as f64
                / n
        };
        let mean =
            |f: fn(&RolePixels) -> u32| views.iter().map(|v| f(&v.pixels) as f64).sum::<f64>() / n;
        Visibility {
            views: views.len(),
            payload_fraction: share(|p| p.payload),
            goal_zone_fraction: share(|p| p.goal_zone),
            forbid_zones_fraction: (forbid_zone_count > 0).then(|| share(|p| p.forbid_zones)),
            payload_mean_px: mean(|p| p.payload),
            goal_zone_mean_px: mean(|p| p.goal_zone),
        }
    }
}

/// Renders the views of one variant: the scene at its start (or at `poses`, for bodies
/// listed there). Views are spread over the rayon pool; the result is in `options.views`
/// order and byte-identical for identical input.
pub fn render_views(
    scene: &Scene,
    spawn: &PayloadSpawn,
    poses: &BodyPoses,
    options: &RenderOptions,
) -> Result<Vec<RenderedView>, RenderError> {
    options.check()?;
    guarded(|| {
        let geometry = SceneGeometry::new(scene, spawn, &[]);
        let bodies = geometry.posed(poses);
        options
            .views
            .par_iter()
            .map(|view| {
                let overlay = Overlay {
                    legend: true,
                    stamp: Some(format!("E{} A{:03}", view.elevation_deg, view.azimuth_deg)),
                    captions: true,
                    framed: None,
                    payload_marker: false,
                };
                let canvas = draw::draw_view(
                    &geometry,
                    &bodies,
                    *view,
                    options.width_px,
                    options.height_px,
                    &overlay,
                );
                finish_view(&canvas, &geometry, *view, options)
            })
            .collect()
    })
}

/// Renders the views chosen for the task (see [`task_views`]) of one variant, with the
/// reference solution's parts when given: framed on where the task happens (zones, build
/// zone, payload, moving parts), zones translucent, the payload ringed. In
/// [`ViewKind::ALL`] order; each view's `name` is its kind's name.
pub fn render_task_views(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[crate::scene::Fixture],
    options: &RenderOptions,
) -> Result<Vec<(TaskView, RenderedView)>, RenderError> {
    options.check()?;
    let views = task_views(spawn.start_m, scene.goal_zone.center_m());
    guarded(|| {
        let geometry = SceneGeometry::new(scene, spawn, solution);
        let rest = BTreeMap::new();
        let bodies = geometry.posed(&rest);
        let framed = Some(geometry.action_box(&[&rest]));
        views
            .par_iter()
            .map(|task| {
                let view = task.angle;
                let overlay = Overlay {
                    legend: true,
                    // The kind only: the legend needs the room, the angle is in views.json.
                    stamp: Some(task.kind.name().replace('_', " ").to_uppercase()),
                    captions: true,
                    framed,
                    payload_marker: true,
                };
                let canvas = draw::draw_view(
                    &geometry,
                    &bodies,
                    view,
                    options.width_px,
                    options.height_px,
                    &overlay,
                );
                let mut rendered = finish_view(&canvas, &geometry, view, options)?;
                rendered.name = task.kind.name().to_string();
                Ok((*task, rendered))
            })
            .collect()
    })
}

/// Runs rendering work, turning a panic into [`RenderError::Panicked`].
fn guarded<T>(work: impl FnOnce() -> Result<T, RenderError>) -> Result<T, RenderError> {
    crate::guard::catch_panic(work).map_err(RenderError::Panicked)?
}

fn finish_view(
    canvas: &Canvas,
    geometry: &SceneGeometry,
    view: ViewAngle,
    options: &RenderOptions,
) -> Result<RenderedView, RenderError> {
    let labels = geometry.labels();
    let ids = segment_ids(canvas, labels);
    let pixels = count_roles(&ids, labels);
    let png = encode::png_rgb(canvas.width, canvas.height, &canvas.rgb_bytes())?;
    let segmentation = if options.segmentation {
        Some(SegmentationImage {
            width_px: canvas.width,
            height_px: canvas.height,
            png: segmentation_png(canvas.width, canvas.height, &ids, labels)?,
            ids,
            labels: labels.to_vec(),
        })
    } else {
        None
    };
    let depth = if options.depth {
        let depth_mm: Vec<u16> = canvas
            .inv_depth
            .iter()
            .map(|iz| {
                if *iz > 0.0 {
                    (1000.0 / iz).round().clamp(1.0, u16::MAX as f32) as u16
                } else {
                    0
                }
            })
            .collect();
        Some(DepthImage {
            width_px: canvas.width,
            height_px: canvas.height,
            png: encode::png_gray16(canvas.width, canvas.height, &depth_mm)?,
            depth_mm,
        })
    } else {
        None
    };
    Ok(RenderedView {
        view,
        name: view.name(),
        png,
        segmentation,
        depth,
        pixels,
        captions: canvas.captions.clone(),
    })
}

/// The segment per pixel: the nearest opaque body, unless a zone face lies in front of it
/// (the payload always shows through zones, which are translucent).
fn segment_ids(canvas: &Canvas, labels: &[SegmentLabel]) -> Vec<u16> {
    let payload = labels
        .iter()
        .find(|l| l.role == Role::Payload)
        .map(|l| l.id);
    canvas
        .solid_id
        .iter()
        .zip(&canvas.zone_id)
        .map(|(&solid, &zone)| {
            if Some(solid) == payload || zone == BACKGROUND_ID {
                solid
            } else {
                zone
            }
        })
        .collect()
}

fn count_roles(ids: &[u16], labels: &[SegmentLabel]) -> RolePixels {
    let mut per_id = vec![0u32; labels.len()];
    for id in ids {
        if let Some(c) = per_id.get_mut(*id as usize) {
            *c += 1;
        }
    }
    let mut out = RolePixels::default();
    for (label, count) in labels.iter().zip(per_id) {
        match label.role {
            Role::Payload => out.payload += count,
            Role::GoalZone => out.goal_zone += count,
            Role::ForbidZone => out.forbid_zones += count,
            Role::FixedFixture | Role::DynamicFixture | Role::SolutionPart => out.fixtures += count,
            Role::Background | Role::Ground => {}
        }
        if label.role != Role::Background {
            out.non_background += count;
        }
    }
    out
}

/// The display colour of a segment in the indexed segmentation PNG.
fn segment_color(label: &SegmentLabel) -> [u8; 3] {
    let c = match label.role {
        Role::Background => return [0, 0, 0],
        Role::Ground => return [80, 80, 80],
        Role::Payload => style::PAYLOAD,
        Role::GoalZone => style::GOAL,
        Role::ForbidZone => style::FORBID,
        Role::SolutionPart => style::SOLUTION,
        Role::FixedFixture | Role::DynamicFixture => {
            // Well-spread blue-to-violet hues by id, away from the payload's orange and the
            // zones' green and red.
            let hue = 190.0 + (label.id as f32 * 0.618_034).fract() * 110.0;
            hsv(
                hue,
                0.45,
                if label.role == Role::FixedFixture {
                    0.65
                } else {
                    0.9
                },
            )
        }
    };
    c.map(raster::to_byte)
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0).rem_euclid(2.0) - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

fn segmentation_png(
    width: u32,
    height: u32,
    ids: &[u16],
    labels: &[SegmentLabel],
) -> Result<Vec<u8>, RenderError> {
    if labels.len() <= 256 {
        let palette: Vec<u8> = labels.iter().flat_map(segment_color).collect();
        let indices: Vec<u8> = ids.iter().map(|id| *id as u8).collect();
        encode::png_indexed(width, height, &palette, &indices)
    } else {
        encode::png_gray16(width, height, ids)
    }
}

/// File name of a view's depth image, e.g. `depth_e45_a090.png`.
pub fn depth_file_name(view: ViewAngle) -> String {
    format!("depth_{}.png", view.suffix())
}

/// File name of a view's segmentation image, e.g. `segmentation_e45_a090.png`.
pub fn segmentation_file_name(view: ViewAngle) -> String {
    format!("segmentation_{}.png", view.suffix())
}

/// The folder of a seed holding the views chosen for its task (`side.png`, `top.png`,
/// `along_path.png`, see [`task_views`]) and their [`VIEWS_FILE`].
pub const REVIEW_VIEWS_DIR: &str = "review";
/// The per-view statistics file written next to a folder of views.
pub const VIEWS_FILE: &str = "views.json";

/// Renders the task's views of one variant ([`render_task_views`]) and writes them to
/// `seed_dir/`[`REVIEW_VIEWS_DIR`]`/<kind>.png` with their [`VIEWS_FILE`] (name, angle, pixel
/// counts per view). The Simulator and `benchforge render` both write them through here.
/// Returns the image paths.
pub fn write_task_views(
    seed_dir: &Path,
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[crate::scene::Fixture],
    options: &RenderOptions,
) -> Result<Vec<PathBuf>, RenderError> {
    let views = render_task_views(scene, spawn, solution, options)?;
    let dir = seed_dir.join(REVIEW_VIEWS_DIR);
    create_dir(&dir)?;
    let mut written = Vec::new();
    let mut stats = Vec::new();
    for (task, view) in &views {
        written.push(write_file(
            &dir.join(format!("{}.png", view.name)),
            &view.png,
        )?);
        stats.push((view.name.clone(), task.angle, view.pixels));
    }
    write_file(
        &dir.join(VIEWS_FILE),
        serde_json::to_string(&stats).unwrap_or_default().as_bytes(),
    )?;
    Ok(written)
}

/// File holding the segmentation table (id → label, role) shared by all views.
pub const SEGMENTATION_TABLE_FILE: &str = "segmentation_labels.json";

/// Writes `view_*.png` (plus `depth_*.png`, `segmentation_*.png` and
/// [`SEGMENTATION_TABLE_FILE`] when present) into `dir`, creating it. Returns the paths.
pub fn write_views(dir: &Path, views: &[RenderedView]) -> Result<Vec<PathBuf>, RenderError> {
    create_dir(dir)?;
    let mut written = Vec::new();
    let mut table: Option<&[SegmentLabel]> = None;
    for view in views {
        written.push(write_file(
            &dir.join(format!("{}.png", view.name)),
            &view.png,
        )?);
        if let Some(depth) = &view.depth {
            written.push(write_file(
                &dir.join(depth_file_name(view.view)),
                &depth.png,
            )?);
        }
        if let Some(seg) = &view.segmentation {
            written.push(write_file(
                &dir.join(segmentation_file_name(view.view)),
                &seg.png,
            )?);
            table = Some(&seg.labels);
        }
    }
    if let Some(labels) = table {
        let json = serde_json::to_string_pretty(labels)
            .map_err(|e| RenderError::Encode(format!("segmentation table: {e}")))?;
        written.push(write_file(
            &dir.join(SEGMENTATION_TABLE_FILE),
            json.as_bytes(),
        )?);
    }
    Ok(written)
}

/// Creates a directory and its parents.
pub(crate) fn create_dir(dir: &Path) -> Result<(), RenderError> {
    std::fs::create_dir_all(dir).map_err(|source| RenderError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes one file and returns its path.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<PathBuf, RenderError> {
    std::fs::write(path, bytes).map_err(|source| RenderError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(path.to_path_buf())
}
