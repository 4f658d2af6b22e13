//! Turns a scene (plus body poses) into drawable geometry and draws one view of it.

use std::collections::BTreeMap;

use super::camera::{Camera, ViewAngle};
use super::font;
use super::math::{Rigid, V3};
use super::mesh::{box_mesh, tessellate, Mesh};
use super::raster::{Canvas, CaptionBox, Rgb, BACKGROUND_ID, GROUND_ID};
use super::style;
use super::{BodyPose, Role, SegmentLabel, PAYLOAD_LABEL};
use crate::scene::{Aabb, BodyKind, Fixture, Scene};
use crate::variant::PayloadSpawn;

/// One rigid body tessellated in its own body frame.
#[derive(Debug, Clone)]
struct Body {
    label: String,
    id: u16,
    color: Rgb,
    rest: Rigid,
    mesh: Mesh,
}

/// A translucent zone.
#[derive(Debug, Clone)]
struct Zone {
    id: u16,
    aabb: Aabb,
    fill: Rgb,
    edge: Rgb,
    caption: &'static str,
}

/// Everything a view needs that does not depend on the camera or the poses: the scene's
/// bodies tessellated once, its zones, the ground grid and the segment table.
#[derive(Debug, Clone)]
pub struct SceneGeometry {
    bodies: Vec<Body>,
    zones: Vec<Zone>,
    build_zone: Aabb,
    bounds: Aabb,
    grid_step_m: f64,
    labels: Vec<SegmentLabel>,
    has_solution: bool,
}

/// The bodies placed for one moment: world-space meshes per segment.
#[derive(Debug, Clone)]
pub struct PosedBodies {
    solids: Vec<(u16, Rgb, Mesh)>,
}

impl SceneGeometry {
    /// Tessellates the scene plus the reference solution's parts (`solution`, possibly
    /// empty). The payload takes its size and start from `spawn`.
    pub fn new(scene: &Scene, spawn: &PayloadSpawn, solution: &[Fixture]) -> SceneGeometry {
        let mut labels = vec![
            SegmentLabel::new(BACKGROUND_ID, "background", Role::Background),
            SegmentLabel::new(GROUND_ID, "ground", Role::Ground),
        ];
        let mut next_id = GROUND_ID + 1;
        let mut take_id = |label: String, role: Role, labels: &mut Vec<SegmentLabel>| {
            let id = next_id;
            next_id = next_id.saturating_add(1);
            labels.push(SegmentLabel::new(id, &label, role));
            id
        };
        let payload_id = take_id(PAYLOAD_LABEL.into(), Role::Payload, &mut labels);
        let mut bodies = vec![Body {
            label: PAYLOAD_LABEL.into(),
            id: payload_id,
            color: style::PAYLOAD,
            rest: Rigid::new(V3::from_scene(spawn.start_m), [1.0, 0.0, 0.0, 0.0]),
            mesh: tessellate(&scene.payload.shape.scaled(spawn.size_factor)),
        }];
        let goal_id = take_id("goal_zone".into(), Role::GoalZone, &mut labels);
        let mut zones = vec![Zone {
            id: goal_id,
            aabb: scene.goal_zone,
            fill: style::GOAL,
            edge: style::GOAL_EDGE,
            caption: "GOAL",
        }];
        for forbid in &scene.forbid_zones {
            let id = take_id(
                format!("forbid:{}", forbid.name),
                Role::ForbidZone,
                &mut labels,
            );
            zones.push(Zone {
                id,
                aabb: forbid.zone,
                fill: style::FORBID,
                edge: style::FORBID_EDGE,
                caption: "FORBID",
            });
        }
        let parts = scene.fixtures.iter().map(|f| (f, false));
        for (fixture, is_solution) in parts.chain(solution.iter().map(|f| (f, true))) {
            let (role, color) = match (is_solution, fixture.body) {
                (true, _) => (Role::SolutionPart, style::SOLUTION),
                (false, BodyKind::Fixed) => (Role::FixedFixture, style::FIXED),
                (false, BodyKind::Dynamic) => (Role::DynamicFixture, style::DYNAMIC),
            };
            let id = take_id(fixture.label.clone(), role, &mut labels);
            let mut mesh = Mesh::default();
            for part in &fixture.parts {
                let local = Rigid::from_pose(&part.local_pose);
                mesh.triangles
                    .extend(tessellate(&part.shape).transformed(&local).triangles);
            }
            bodies.push(Body {
                label: fixture.label.clone(),
                id,
                color,
                rest: Rigid::from_pose(&fixture.pose),
                mesh,
            });
        }
        let size = scene.bounds.size_m();
        SceneGeometry {
            bodies,
            zones,
            build_zone: scene.build_zone,
            bounds: scene.bounds,
            grid_step_m: nice_step(size[0].max(size[1]) / 10.0),
            labels,
            has_solution: !solution.is_empty(),
        }
    }

    /// The part of the bounds where the action is, for framing simulation media: the zones,
    /// every dynamic body and the payload over all of `frames` (padded by 10 %), clipped to
    /// the bounds. Large fixed parts such as floors are left out on purpose.
    pub fn action_box(&self, frames: &[&BTreeMap<String, BodyPose>]) -> Aabb {
        let mut out = self.build_zone;
        for zone in &self.zones {
            out = out.union(&zone.aabb);
        }
        for poses in frames {
            let posed = self.posed(poses);
            for ((id, _, mesh), body) in posed.solids.iter().zip(&self.bodies) {
                let moving = self.labels.get(*id as usize).is_some_and(|l| {
                    matches!(
                        l.role,
                        Role::Payload | Role::DynamicFixture | Role::SolutionPart
                    )
                });
                if !moving && body.label != PAYLOAD_LABEL {
                    continue;
                }
                for tri in &mesh.triangles {
                    for p in tri.positions {
                        if p.is_finite() {
                            let q = [p.x as f64, p.y as f64, p.z as f64];
                            out = out.union(&Aabb::new(q, q));
                        }
                    }
                }
            }
        }
        let size = out.size_m();
        let pad = [0.1 * size[0], 0.1 * size[1], 0.1 * size[2]];
        let padded = Aabb::new(
            [
                out.min_m[0] - pad[0],
                out.min_m[1] - pad[1],
                out.min_m[2] - pad[2],
            ],
            [
                out.max_m[0] + pad[0],
                out.max_m[1] + pad[1],
                out.max_m[2] + pad[2],
            ],
        );
        padded
            .intersection(&self.bounds)
            .filter(Aabb::is_proper)
            .unwrap_or(self.bounds)
    }

    /// The segment table: id → label and role.
    pub fn labels(&self) -> &[SegmentLabel] {
        &self.labels
    }

    /// Places every body: at its pose in `poses` when given (keyed by fixture label, or
    /// `"payload"`), else where the scene puts it.
    pub fn posed(&self, poses: &BTreeMap<String, BodyPose>) -> PosedBodies {
        let solids = self
            .bodies
            .iter()
            .map(|body| {
                let placement = poses
                    .get(&body.label)
                    .map(|p| p.to_rigid())
                    .unwrap_or(body.rest);
                (body.id, body.color, body.mesh.transformed(&placement))
            })
            .collect();
        PosedBodies { solids }
    }
}

/// Text and captions drawn on top of a view.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// Draw the colour legend band at the top.
    pub legend: bool,
    /// Text for the top-right corner (view name, time).
    pub stamp: Option<String>,
    /// Write each zone's caption next to it.
    pub captions: bool,
    /// The box the camera frames; `None` frames the whole simulation bounds.
    pub framed: Option<Aabb>,
    /// Ring the payload (see [`PAYLOAD_MARKER_MIN_RADIUS_PX`]) so it is found at a glance
    /// even when it is small, far or behind a part.
    pub payload_marker: bool,
}

/// The payload marker's smallest radius on screen, in pixels at text scale 1 (a 512×384
/// image): a payload a few pixels across still gets a ring this large.
pub const PAYLOAD_MARKER_MIN_RADIUS_PX: f32 = 10.0;

/// Pixels of the legend band at the top of the image.
fn legend_height_px(scale: u32) -> u32 {
    (font::GLYPH_HEIGHT + 6) * scale
}

/// Text scale for an image of this size.
pub fn text_scale(width: u32, height: u32) -> u32 {
    (width.min(height * 4 / 3) / 520).max(1)
}

/// Draws one view of the posed scene.
pub fn draw_view(
    geometry: &SceneGeometry,
    bodies: &PosedBodies,
    view: ViewAngle,
    width: u32,
    height: u32,
    overlay: &Overlay,
) -> Canvas {
    let mut canvas = Canvas::new(width, height, style::SKY_TOP, style::SKY_BOTTOM);
    let scale = text_scale(width, height);
    let band = if overlay.legend || overlay.stamp.is_some() {
        legend_height_px(scale)
    } else {
        0
    };
    let cam = Camera::framing(
        overlay.framed.as_ref().unwrap_or(&geometry.bounds),
        view,
        [
            4.0,
            band as f32 + 4.0,
            width as f32 - 4.0,
            height as f32 - 4.0,
        ],
    );
    let light = (V3::new(0.0, 0.0, 1.0) * 0.7 - cam.forward * 0.5 - cam.right * 0.4).normalized();
    let shade = |n: V3| style::AMBIENT + style::KEY * n.dot(light).max(0.0);

    draw_ground(
        &mut canvas,
        &cam,
        geometry,
        shade(V3::new(0.0, 0.0, 1.0)),
        scale,
    );

    for (id, color, mesh) in &bodies.solids {
        for tri in &mesh.triangles {
            let p = tri.positions.map(|v| cam.project(v));
            let [Some(a), Some(b), Some(c)] = p else {
                continue;
            };
            canvas.solid_triangle([a, b, c], tri.normals.map(shade), *color, *id);
        }
    }
    canvas.outline_segments(style::OUTLINE_STRENGTH);

    for zone in &geometry.zones {
        draw_zone(&mut canvas, &cam, zone, &shade);
    }
    for (a, b) in box_edges(&geometry.build_zone) {
        canvas.line_3d(&cam, a, b, style::BUILD, 2, style::HIDDEN_LINE_ALPHA, 7);
    }
    if overlay.payload_marker {
        mark_payload(&mut canvas, &cam, geometry, bodies, scale);
    }
    if overlay.captions {
        for zone in &geometry.zones {
            caption(
                &mut canvas,
                &cam,
                &zone.aabb,
                zone.caption,
                zone.edge,
                scale,
            );
        }
        caption(
            &mut canvas,
            &cam,
            &geometry.build_zone,
            "BUILD",
            style::BUILD,
            scale,
        );
    }
    if band > 0 {
        draw_band(&mut canvas, geometry, overlay, scale, band);
    }
    canvas
}

/// Rings the payload: a dark and an orange circle around its projected outline, at least
/// [`PAYLOAD_MARKER_MIN_RADIUS_PX`] (times the text scale) in radius, drawn over everything.
fn mark_payload(
    canvas: &mut Canvas,
    cam: &Camera,
    geometry: &SceneGeometry,
    bodies: &PosedBodies,
    scale: u32,
) {
    let Some(payload_id) = geometry
        .labels
        .iter()
        .find(|l| l.role == Role::Payload)
        .map(|l| l.id)
    else {
        return;
    };
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (_, _, mesh) in bodies.solids.iter().filter(|(id, _, _)| *id == payload_id) {
        for tri in &mesh.triangles {
            for p in tri.positions.iter().filter_map(|v| cam.project(*v)) {
                x0 = x0.min(p.x);
                y0 = y0.min(p.y);
                x1 = x1.max(p.x);
                y1 = y1.max(p.y);
            }
        }
    }
    if x0 > x1 {
        return;
    }
    let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
    let s = scale as f32;
    let r = (0.5 * (x1 - x0).hypot(y1 - y0) + 3.0 * s).max(PAYLOAD_MARKER_MIN_RADIUS_PX * s);
    canvas.ring(cx, cy, r + 2.0 * s, 1.5 * s, style::INK);
    canvas.ring(cx, cy, r, 2.0 * s, style::PAYLOAD);
}

fn draw_ground(
    canvas: &mut Canvas,
    cam: &Camera,
    geometry: &SceneGeometry,
    shade: f32,
    scale: u32,
) {
    let b = &geometry.bounds;
    let z = b.min_m[2] as f32;
    let (x0, x1, y0, y1) = (
        b.min_m[0] as f32,
        b.max_m[0] as f32,
        b.min_m[1] as f32,
        b.max_m[1] as f32,
    );
    let corners = [
        V3::new(x0, y0, z),
        V3::new(x1, y0, z),
        V3::new(x1, y1, z),
        V3::new(x0, y1, z),
    ];
    let p = corners.map(|c| cam.project(c));
    if let [Some(a), Some(b2), Some(c), Some(d)] = p {
        canvas.solid_triangle([a, b2, c], [shade; 3], style::GROUND, GROUND_ID);
        canvas.solid_triangle([a, c, d], [shade; 3], style::GROUND, GROUND_ID);
    }
    // Grid lines and their labels go onto the ground before any body, so bodies cover them.
    let step = geometry.grid_step_m;
    let decimals = decimals_for(step);
    let near_y = if cam.eye.y >= 0.5 * (y0 + y1) { y1 } else { y0 };
    let near_x = if cam.eye.x >= 0.5 * (x0 + x1) { x1 } else { x0 };
    let outward_y = if near_y == y1 { 1.0 } else { -1.0 };
    let outward_x = if near_x == x1 { 1.0 } else { -1.0 };
    let color = style::GRID_LINE;
    // Small images (contact-sheet frames) keep the grid but not its numbers.
    let numbered = canvas.width >= 400;
    let mut last_label: Option<(f32, f32)> = None;
    for x in grid_values(b.min_m[0], b.max_m[0], step) {
        let xf = x as f32;
        canvas.line_3d(
            cam,
            V3::new(xf, y0, z),
            V3::new(xf, y1, z),
            color,
            1,
            1.0,
            0,
        );
        let anchor = V3::new(xf, near_y + outward_y * 0.45 * step as f32, z);
        if numbered {
            label_at(
                canvas,
                cam,
                anchor,
                &format_m(x, decimals),
                scale,
                &mut last_label,
            );
        }
    }
    last_label = None;
    for y in grid_values(b.min_m[1], b.max_m[1], step) {
        let yf = y as f32;
        canvas.line_3d(
            cam,
            V3::new(x0, yf, z),
            V3::new(x1, yf, z),
            color,
            1,
            1.0,
            0,
        );
        let anchor = V3::new(near_x + outward_x * 0.45 * step as f32, yf, z);
        if numbered {
            label_at(
                canvas,
                cam,
                anchor,
                &format_m(y, decimals),
                scale,
                &mut last_label,
            );
        }
    }
    // Axis names at the positive ends so a reader knows which way x and y run.
    let x_end = V3::new(
        x1 + 0.9 * step as f32,
        near_y + outward_y * 0.45 * step as f32,
        z,
    );
    label_at(canvas, cam, x_end, "X", scale, &mut None);
    let y_end = V3::new(
        near_x + outward_x * 0.45 * step as f32,
        y1 + 0.9 * step as f32,
        z,
    );
    label_at(canvas, cam, y_end, "Y", scale, &mut None);
}

/// Draws `text` centred on a projected point unless it would crowd the previous label.
fn label_at(
    canvas: &mut Canvas,
    cam: &Camera,
    anchor: V3,
    text: &str,
    scale: u32,
    last: &mut Option<(f32, f32)>,
) {
    let Some(p) = cam.project(anchor) else {
        return;
    };
    let w = (font::text_width(text) * scale) as f32;
    let h = (font::GLYPH_HEIGHT * scale) as f32;
    if let Some((lx, ly)) = *last {
        if (p.x - lx).abs() < w + 6.0 * scale as f32 && (p.y - ly).abs() < h + 2.0 {
            return;
        }
    }
    *last = Some((p.x, p.y));
    canvas.text(
        (p.x - 0.5 * w).round() as i32,
        (p.y - 0.5 * h).round() as i32,
        text,
        scale,
        style::INK,
    );
}

fn draw_zone(canvas: &mut Canvas, cam: &Camera, zone: &Zone, shade: &impl Fn(V3) -> f32) {
    let centre = V3::from_scene(zone.aabb.center_m());
    let half = V3::from_scene(zone.aabb.size_m()) * 0.5;
    let mesh = box_mesh(half);
    for tri in &mesh.triangles {
        let p = tri.positions.map(|v| cam.project(v + centre));
        let [Some(a), Some(b), Some(c)] = p else {
            continue;
        };
        // Faces get a little of the key light so the box reads as a solid volume.
        let s = 0.75 + 0.25 * shade(tri.normals[0]);
        let fill = zone.fill.map(|v| v * s);
        canvas.zone_triangle([a, b, c], fill, style::ZONE_ALPHA, zone.id);
    }
    for (a, b) in box_edges(&zone.aabb) {
        canvas.line_3d(cam, a, b, zone.edge, 2, style::HIDDEN_LINE_ALPHA, 0);
    }
}

/// Pixels kept free between two captions.
pub const CAPTION_GAP_PX: i32 = 2;

/// Writes a caption above the top centre of a box, moved up or down by whole lines (nearest
/// first) until it overlaps no caption already written (see [`place_caption`]).
fn caption(canvas: &mut Canvas, cam: &Camera, aabb: &Aabb, text: &str, color: Rgb, scale: u32) {
    let c = aabb.center_m();
    let top = V3::new(c[0] as f32, c[1] as f32, aabb.max_m[2] as f32);
    let Some(p) = cam.project(top) else {
        return;
    };
    let w = (font::text_width(text) * scale) as f32;
    let h = (font::GLYPH_HEIGHT * scale) as f32;
    let wanted = CaptionBox {
        text: text.to_string(),
        x_px: (p.x - 0.5 * w).round() as i32,
        y_px: (p.y - h - 4.0).round() as i32,
        width_px: w as i32,
        height_px: h as i32,
    };
    let placed = place_caption(wanted, &canvas.captions);
    canvas.text_with_halo(placed.x_px, placed.y_px, text, scale, color, style::HALO);
    canvas.captions.push(placed);
}

/// `wanted` moved by whole lines (its height plus [`CAPTION_GAP_PX`] twice, up first, then
/// down, then two up…) to the nearest place where it overlaps none of `placed`.
pub fn place_caption(wanted: CaptionBox, placed: &[CaptionBox]) -> CaptionBox {
    let line = wanted.height_px + 2 * CAPTION_GAP_PX;
    // Each placed caption can block at most a few lines, so 2 × placed + 1 tries always find
    // a free line.
    for k in 0..=(2 * placed.len() as i32 + 1) {
        for dir in [-1, 1] {
            let candidate = CaptionBox {
                y_px: wanted.y_px + dir * k * line,
                ..wanted.clone()
            };
            if placed
                .iter()
                .all(|b| !b.overlaps(&candidate, CAPTION_GAP_PX))
            {
                return candidate;
            }
        }
    }
    // Unreachable by the count above; beyond every placed caption as a last resort.
    let below = placed
        .iter()
        .map(|b| b.y_px + b.height_px)
        .max()
        .unwrap_or(wanted.y_px);
    CaptionBox {
        y_px: below + 2 * CAPTION_GAP_PX,
        ..wanted
    }
}

/// The legend band: a swatch and name per role, the grid spacing, and the stamp.
fn draw_band(
    canvas: &mut Canvas,
    geometry: &SceneGeometry,
    overlay: &Overlay,
    scale: u32,
    band: u32,
) {
    canvas.fill_rect(0, 0, canvas.width, band, style::HALO, 0.92);
    let s = scale as i32;
    let y = 3 * s;
    let mut x = 4 * s;
    let glyph_h = (font::GLYPH_HEIGHT * scale) as i32;
    let fits = |x: i32, text: &str, canvas: &Canvas| {
        x + (font::text_width(text) * scale) as i32 + 14 * s <= canvas.width as i32
    };
    if overlay.legend {
        let mut entries: Vec<(&str, Rgb, bool)> = vec![
            ("PAYLOAD", style::PAYLOAD, false),
            ("GOAL", style::GOAL, false),
            ("FORBID", style::FORBID, false),
            ("BUILD", style::BUILD, true),
            ("FIXED", style::FIXED, false),
            ("DYNAMIC", style::DYNAMIC, false),
        ];
        if geometry.has_solution {
            entries.push(("SOLUTION", style::SOLUTION, false));
        }
        for (name, color, outline) in entries {
            if !fits(x, name, canvas) {
                break;
            }
            let sw = glyph_h;
            if outline {
                canvas.fill_rect(x, y, sw as u32, sw as u32, color, 1.0);
                canvas.fill_rect(
                    x + 2 * s,
                    y + 2 * s,
                    (sw - 4 * s).max(1) as u32,
                    (sw - 4 * s).max(1) as u32,
                    style::HALO,
                    1.0,
                );
            } else {
                canvas.fill_rect(x, y, sw as u32, sw as u32, color, 1.0);
            }
            x += sw + 3 * s;
            canvas.text(x, y, name, scale, style::INK);
            x += (font::text_width(name) * scale) as i32 + 8 * s;
        }
        let grid = format!(
            "GRID {} M",
            format_m(geometry.grid_step_m, decimals_for(geometry.grid_step_m))
        );
        if fits(x, &grid, canvas) {
            canvas.text(x, y, &grid, scale, style::INK);
        }
    }
    if let Some(stamp) = &overlay.stamp {
        let w = (font::text_width(stamp) * scale) as i32;
        let sx = canvas.width as i32 - w - 4 * s;
        canvas.fill_rect(sx - 3 * s, 0, (w + 7 * s) as u32, band, style::HALO, 1.0);
        canvas.text(sx, y, stamp, scale, style::INK);
    }
}

/// A strip of the given width holding only the legend band (for the contact sheet).
pub fn legend_strip(geometry: &SceneGeometry, width: u32) -> Canvas {
    let scale = 1;
    let band = legend_height_px(scale);
    let mut canvas = Canvas::new(width, band, style::HALO, style::HALO);
    let overlay = Overlay {
        legend: true,
        stamp: None,
        captions: false,
        framed: None,
        payload_marker: false,
    };
    draw_band(&mut canvas, geometry, &overlay, scale, band);
    canvas
}

/// The 12 edges of a box.
fn box_edges(b: &Aabb) -> Vec<(V3, V3)> {
    let c = |i: usize| {
        V3::new(
            if i & 1 == 0 { b.min_m[0] } else { b.max_m[0] } as f32,
            if i & 2 == 0 { b.min_m[1] } else { b.max_m[1] } as f32,
            if i & 4 == 0 { b.min_m[2] } else { b.max_m[2] } as f32,
        )
    };
    let mut edges = Vec::with_capacity(12);
    for i in 0..8usize {
        for bit in [1usize, 2, 4] {
            if i & bit == 0 {
                edges.push((c(i), c(i | bit)));
            }
        }
    }
    edges
}

/// A round grid spacing (1, 2 or 5 × 10^k metres) near `raw_m`.
pub fn nice_step(raw_m: f64) -> f64 {
    if !(raw_m.is_finite() && raw_m > 0.0) {
        return 1.0;
    }
    let exp = raw_m.log10().floor();
    let base = 10f64.powf(exp);
    let m = raw_m / base;
    let nice = if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * base
}

fn decimals_for(step: f64) -> usize {
    (0..6)
        .find(|d| {
            ((step * 10f64.powi(*d as i32)).round() - step * 10f64.powi(*d as i32)).abs() < 1e-6
        })
        .unwrap_or(6)
}

fn format_m(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    // Fold "-0" and "-0.0" into the unsigned zero.
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// Multiples of `step` within `[lo, hi]` (at most a few hundred).
fn grid_values(lo: f64, hi: f64, step: f64) -> impl Iterator<Item = f64> {
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    let last = last.min(first + 400);
    (first..=last).map(move |k| k as f64 * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_steps_are_round_and_labels_read_well() {
        assert_eq!(nice_step(0.23), 0.2);
        assert_eq!(nice_step(0.04), 0.05);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(decimals_for(0.2), 1);
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(decimals_for(2.0), 0);
        assert_eq!(format_m(-0.0001, 1), "0.0");
        assert_eq!(grid_values(-0.5, 0.5, 0.2).count(), 5);
    }
}
