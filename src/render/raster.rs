//! The framebuffer and its drawing primitives: z-buffered Gouraud triangles, translucent
//! zone faces, depth-aware lines, rectangles and bitmap text.
//!
//! Depth is kept as 1/depth (linear in screen space, larger is nearer, 0 is empty), so
//! interpolating it across a triangle is exact under perspective.

use super::camera::{Camera, Projected};
use super::font;
use super::math::V3;

/// Segment id of pixels that show nothing but the background.
pub const BACKGROUND_ID: u16 = 0;
/// Segment id of the ground plane and its grid.
pub const GROUND_ID: u16 = 1;

/// An RGB colour with components in 0..=1.
pub type Rgb = [f32; 3];

/// The image being drawn plus the buffers that make depth and segmentation images.
#[derive(Debug, Clone)]
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Colour per pixel, row-major from the top left.
    pub rgb: Vec<Rgb>,
    /// 1 / depth (1/m) of the nearest opaque surface, 0 where there is none.
    pub inv_depth: Vec<f32>,
    /// Segment id of the nearest opaque surface.
    pub solid_id: Vec<u16>,
    /// 1 / depth (1/m) of the nearest translucent zone face in front of the opaque surface.
    pub zone_inv_depth: Vec<f32>,
    /// Segment id of that zone, [`BACKGROUND_ID`] where none.
    pub zone_id: Vec<u16>,
    /// Where each caption was written, in drawing order (captions never overlap).
    pub captions: Vec<CaptionBox>,
}

/// The rectangle a caption's text covers, in pixels from the top left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptionBox {
    /// The caption.
    pub text: String,
    /// Left edge, in pixels.
    pub x_px: i32,
    /// Top edge, in pixels.
    pub y_px: i32,
    /// Width, in pixels.
    pub width_px: i32,
    /// Height, in pixels.
    pub height_px: i32,
}

impl CaptionBox {
    /// True when the two rectangles, each grown by `margin_px` on every side, share a pixel.
    pub fn overlaps(&self, other: &CaptionBox, margin_px: i32) -> bool {
        self.x_px - margin_px < other.x_px + other.width_px + margin_px
            && other.x_px - margin_px < self.x_px + self.width_px + margin_px
            && self.y_px - margin_px < other.y_px + other.height_px + margin_px
            && other.y_px - margin_px < self.y_px + self.height_px + margin_px
    }
}

impl Canvas {
    /// A canvas filled with a vertical gradient from `top` to `bottom`.
    pub fn new(width: u32, height: u32, top: Rgb, bottom: Rgb) -> Canvas {
        let n = (width * height) as usize;
        let mut rgb = Vec::with_capacity(n);
        for y in 0..height {
            let t = y as f32 / height.max(2) as f32;
            let c = mix(top, bottom, t);
            rgb.extend(std::iter::repeat_n(c, width as usize));
        }
        Canvas {
            width,
            height,
            rgb,
            inv_depth: vec![0.0; n],
            solid_id: vec![BACKGROUND_ID; n],
            zone_inv_depth: vec![0.0; n],
            zone_id: vec![BACKGROUND_ID; n],
            captions: Vec::new(),
        }
    }

    /// Draws an opaque triangle with per-corner brightness `shade`, z-buffered. Triangles
    /// wound clockwise on screen (facing away) are culled.
    pub fn solid_triangle(&mut self, p: [Projected; 3], shade: [f32; 3], color: Rgb, id: u16) {
        self.for_each_covered(p, true, |canvas, i, b, iz| {
            if iz > canvas.inv_depth[i] {
                let s = b[0] * shade[0] + b[1] * shade[1] + b[2] * shade[2];
                canvas.inv_depth[i] = iz;
                canvas.solid_id[i] = id;
                canvas.rgb[i] = [color[0] * s, color[1] * s, color[2] * s];
            }
        });
    }

    /// Blends a front-facing translucent triangle over whatever opaque surface lies behind
    /// it, and records it as the pixel's zone when it is the nearest zone.
    pub fn zone_triangle(&mut self, p: [Projected; 3], color: Rgb, alpha: f32, id: u16) {
        self.for_each_covered(p, true, |canvas, i, _b, iz| {
            if iz > canvas.inv_depth[i] {
                canvas.rgb[i] = mix(canvas.rgb[i], color, alpha);
                if iz > canvas.zone_inv_depth[i] {
                    canvas.zone_inv_depth[i] = iz;
                    canvas.zone_id[i] = id;
                }
            }
        });
    }

    /// Calls `visit(canvas, index, barycentrics, inv_depth)` for every pixel centre inside
    /// the projected triangle.
    fn for_each_covered(
        &mut self,
        p: [Projected; 3],
        cull: bool,
        mut visit: impl FnMut(&mut Canvas, usize, [f32; 3], f32),
    ) {
        let edge = |a: Projected, b: Projected, x: f32, y: f32| {
            (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x)
        };
        let area = edge(p[0], p[1], p[2].x, p[2].y);
        if !area.is_finite() || area == 0.0 || (cull && area > 0.0) {
            return;
        }
        let inv_area = 1.0 / area;
        let min_x = p
            .iter()
            .map(|v| v.x)
            .fold(f32::MAX, f32::min)
            .floor()
            .max(0.0);
        let max_x = p
            .iter()
            .map(|v| v.x)
            .fold(f32::MIN, f32::max)
            .ceil()
            .min(self.width as f32 - 1.0);
        let min_y = p
            .iter()
            .map(|v| v.y)
            .fold(f32::MAX, f32::min)
            .floor()
            .max(0.0);
        let max_y = p
            .iter()
            .map(|v| v.y)
            .fold(f32::MIN, f32::max)
            .ceil()
            .min(self.height as f32 - 1.0);
        if min_x > max_x || min_y > max_y {
            return;
        }
        let (x0, x1, y0, y1) = (min_x as u32, max_x as u32, min_y as u32, max_y as u32);
        // Edge functions stepped incrementally along x.
        let steps = [
            -(p[2].y - p[1].y) * inv_area,
            -(p[0].y - p[2].y) * inv_area,
            -(p[1].y - p[0].y) * inv_area,
        ];
        let span_max = (x1 - x0) as f32;
        for y in y0..=y1 {
            let py = y as f32 + 0.5;
            let px = x0 as f32 + 0.5;
            let b0 = [
                edge(p[1], p[2], px, py) * inv_area,
                edge(p[2], p[0], px, py) * inv_area,
                edge(p[0], p[1], px, py) * inv_area,
            ];
            // The covered span of this row, solved from the three edge functions instead of
            // testing every pixel of the bounding box.
            let (mut lo, mut hi) = (0.0f32, span_max);
            for (step, start) in steps.iter().zip(b0) {
                if *step > 0.0 {
                    lo = lo.max((-start / step).ceil());
                } else if *step < 0.0 {
                    hi = hi.min((start / -step).floor());
                } else if start < 0.0 {
                    hi = -1.0;
                }
            }
            if lo.is_nan() || hi.is_nan() || lo > hi {
                continue;
            }
            let row = (y * self.width + x0) as usize;
            for k in lo as u32..=hi as u32 {
                let kf = k as f32;
                let b = [
                    b0[0] + steps[0] * kf,
                    b0[1] + steps[1] * kf,
                    b0[2] + steps[2] * kf,
                ];
                let iz = b[0] * p[0].inv_depth + b[1] * p[1].inv_depth + b[2] * p[2].inv_depth;
                visit(self, row + k as usize, b, iz);
            }
        }
    }

    /// Darkens pixels where the opaque segment changes, outlining every body so that parts
    /// of similar colour stay apart. The ground's border with the background is left alone.
    pub fn outline_segments(&mut self, strength: f32) {
        let (w, h) = (self.width as usize, self.height as usize);
        let keep = 1.0 - strength;
        let plain = |id: u16| id == BACKGROUND_ID || id == GROUND_ID;
        let mut marks = vec![false; w * h];
        let ids = &self.solid_id;
        let depth = &self.inv_depth;
        // Mark the nearer of two differing neighbours so the outline hugs the front body.
        let mut mark = |i: usize, j: usize| {
            if ids[i] != ids[j] && !(plain(ids[i]) && plain(ids[j])) {
                marks[if depth[i] >= depth[j] { i } else { j }] = true;
            }
        };
        for y in 0..h {
            let row = y * w;
            for x in 0..w.saturating_sub(1) {
                mark(row + x, row + x + 1);
            }
            if y + 1 < h {
                for x in 0..w {
                    mark(row + x, row + x + w);
                }
            }
        }
        for (c, m) in self.rgb.iter_mut().zip(marks) {
            if m {
                *c = c.map(|v| v * keep);
            }
        }
    }

    /// Draws a 3D segment `a`–`b`: full colour where it is in front of the opaque surface,
    /// `hidden_alpha` where it is behind; dashed with `dash_px` on/off when nonzero.
    #[allow(clippy::too_many_arguments)]
    pub fn line_3d(
        &mut self,
        cam: &Camera,
        a: V3,
        b: V3,
        color: Rgb,
        width_px: u32,
        hidden_alpha: f32,
        dash_px: u32,
    ) {
        let Some((pa, pb)) = clip_to_near(cam, a, b) else {
            return;
        };
        let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
        let steps = dx.abs().max(dy.abs()).ceil().max(1.0) as u32;
        if steps > 8 * (self.width + self.height) {
            return; // Degenerate projection; nothing sensible to draw.
        }
        let half = (width_px as i32 - 1) / 2;
        for s in 0..=steps {
            if dash_px > 0 && (s / dash_px) % 2 == 1 {
                continue;
            }
            let t = s as f32 / steps as f32;
            let x = (pa.x + dx * t).floor() as i32;
            let y = (pa.y + dy * t).floor() as i32;
            let iz = pa.inv_depth + (pb.inv_depth - pa.inv_depth) * t;
            for oy in -half..=(width_px as i32 - 1 - half) {
                for ox in -half..=(width_px as i32 - 1 - half) {
                    let (px, py) = (x + ox, y + oy);
                    if px < 0 || py < 0 || px >= self.width as i32 || py >= self.height as i32 {
                        continue;
                    }
                    let i = (py as u32 * self.width + px as u32) as usize;
                    // 1% depth slack so lines lying on a surface stay visible.
                    let visible = iz * 1.01 >= self.inv_depth[i];
                    let alpha = if visible { 1.0 } else { hidden_alpha };
                    if alpha > 0.0 {
                        self.rgb[i] = mix(self.rgb[i], color, alpha);
                    }
                }
            }
        }
    }

    /// Draws a ring of radius `r` and `thickness` (pixels) centred on `(cx, cy)`, over
    /// everything already drawn.
    pub fn ring(&mut self, cx: f32, cy: f32, r: f32, thickness: f32, color: Rgb) {
        let reach = r + thickness;
        let (x0, x1) = ((cx - reach).floor() as i32, (cx + reach).ceil() as i32);
        let (y0, y1) = ((cy - reach).floor() as i32, (cy + reach).ceil() as i32);
        for py in y0.max(0)..=y1.min(self.height as i32 - 1) {
            for px in x0.max(0)..=x1.min(self.width as i32 - 1) {
                let d = (px as f32 + 0.5 - cx).hypot(py as f32 + 0.5 - cy);
                if (d - r).abs() <= 0.5 * thickness {
                    let i = (py as u32 * self.width + px as u32) as usize;
                    self.rgb[i] = color;
                }
            }
        }
    }

    /// Fills a rectangle in pixels, blending with `alpha`.
    pub fn fill_rect(&mut self, x: i32, y: i32, w: u32, h: u32, color: Rgb, alpha: f32) {
        for py in y.max(0)..(y + h as i32).min(self.height as i32) {
            for px in x.max(0)..(x + w as i32).min(self.width as i32) {
                let i = (py as u32 * self.width + px as u32) as usize;
                self.rgb[i] = mix(self.rgb[i], color, alpha);
            }
        }
    }

    /// Draws `text` with its top-left corner at `(x, y)`, each font pixel `scale` pixels.
    pub fn text(&mut self, x: i32, y: i32, text: &str, scale: u32, color: Rgb) {
        let s = scale.max(1) as i32;
        for (k, c) in text.chars().enumerate() {
            let gx = x + k as i32 * font::ADVANCE as i32 * s;
            for (row, bits) in font::glyph(c).iter().enumerate() {
                for col in 0..font::GLYPH_WIDTH as i32 {
                    if bits & (1 << (font::GLYPH_WIDTH as i32 - 1 - col)) != 0 {
                        self.fill_rect(
                            gx + col * s,
                            y + row as i32 * s,
                            s as u32,
                            s as u32,
                            color,
                            1.0,
                        );
                    }
                }
            }
        }
    }

    /// Draws `text` with a one-pixel halo of `halo` around it, readable on any background.
    pub fn text_with_halo(
        &mut self,
        x: i32,
        y: i32,
        text: &str,
        scale: u32,
        color: Rgb,
        halo: Rgb,
    ) {
        for (ox, oy) in [
            (-1, 0),
            (1, 0),
            (0, -1),
            (0, 1),
            (-1, -1),
            (1, 1),
            (-1, 1),
            (1, -1),
        ] {
            self.text(x + ox, y + oy, text, scale, halo);
        }
        self.text(x, y, text, scale, color);
    }

    /// The image as 8-bit RGB bytes.
    pub fn rgb_bytes(&self) -> Vec<u8> {
        self.rgb
            .as_flattened()
            .iter()
            .map(|v| to_byte(*v))
            .collect()
    }
}

/// Linear blend: `a` at `t = 0`, `b` at `t = 1`.
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// A 0..=1 channel as a byte.
pub fn to_byte(v: f32) -> u8 {
    // `as` saturates, and NaN becomes 0.
    (v * 255.0 + 0.5) as u8
}

/// A colour from 8-bit channels.
pub const fn rgb8(r: u8, g: u8, b: u8) -> Rgb {
    [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0]
}

/// Projects a segment, cutting off the part behind the camera's near plane.
fn clip_to_near(cam: &Camera, a: V3, b: V3) -> Option<(Projected, Projected)> {
    let da = (a - cam.eye).dot(cam.forward) - cam.near_m;
    let db = (b - cam.eye).dot(cam.forward) - cam.near_m;
    if da < 0.0 && db < 0.0 {
        return None;
    }
    let cut = |inside: V3, outside: V3, di: f32, d_o: f32| {
        inside + (outside - inside) * (di / (di - d_o) * 0.999)
    };
    let (a, b) = if da < 0.0 {
        (cut(b, a, db, da), b)
    } else if db < 0.0 {
        (a, cut(a, b, da, db))
    } else {
        (a, b)
    };
    Some((cam.project(a)?, cam.project(b)?))
}
