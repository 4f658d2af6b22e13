//! Colours and line styles by role: one place decides how each role looks.

use super::raster::{rgb8, Rgb};

/// Sky at the top of the image.
pub const SKY_TOP: Rgb = rgb8(188, 203, 224);
/// Sky at the bottom of the image.
pub const SKY_BOTTOM: Rgb = rgb8(236, 239, 243);
/// The ground plane under the bounds.
pub const GROUND: Rgb = rgb8(224, 224, 216);
/// Minor grid lines.
pub const GRID_LINE: Rgb = rgb8(170, 170, 162);
/// Text and strong lines.
pub const INK: Rgb = rgb8(40, 40, 40);
/// Halo behind text drawn over the scene.
pub const HALO: Rgb = rgb8(255, 255, 255);
/// The payload: one strong colour that nothing else uses.
pub const PAYLOAD: Rgb = rgb8(255, 118, 0);
/// Fixtures that never move.
pub const FIXED: Rgb = rgb8(150, 152, 158);
/// Fixtures moved by physics.
pub const DYNAMIC: Rgb = rgb8(150, 178, 214);
/// Parts of the reference solution.
pub const SOLUTION: Rgb = rgb8(150, 90, 200);
/// Goal zone fill and edge.
pub const GOAL: Rgb = rgb8(0, 200, 70);
/// Goal zone edge.
pub const GOAL_EDGE: Rgb = rgb8(0, 120, 40);
/// Forbid zone fill.
pub const FORBID: Rgb = rgb8(235, 25, 25);
/// Forbid zone edge.
pub const FORBID_EDGE: Rgb = rgb8(150, 0, 0);
/// Build zone outline.
pub const BUILD: Rgb = rgb8(30, 90, 255);
/// Opacity of zone faces.
pub const ZONE_ALPHA: f32 = 0.33;
/// Opacity of lines hidden behind solids.
pub const HIDDEN_LINE_ALPHA: f32 = 0.3;
/// Share of brightness removed along body outlines.
pub const OUTLINE_STRENGTH: f32 = 0.45;
/// Brightness of a surface facing away from the key light.
pub const AMBIENT: f32 = 0.42;
/// Added brightness of a surface facing the key light.
pub const KEY: f32 = 0.58;
