//! The simulation as media: a contact sheet of frames spread evenly over the run, each
//! stamped with its time, and an animated GIF. Both come from a list of [`SimFrame`]s, so
//! they do not depend on the physics engine.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::draw::{self, Overlay, SceneGeometry};
use super::raster::Canvas;
use super::{encode, guarded, style, BodyPoses, RenderError, ViewAngle};
use crate::scene::{Fixture, Scene};
use crate::variant::PayloadSpawn;

/// File name of the contact sheet.
pub const CONTACT_SHEET_FILE: &str = "contact_sheet.png";
/// File name of the animation.
pub const GIF_FILE: &str = "sim.gif";

/// The scene at one moment of a simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct SimFrame {
    /// Time since the start of the run, in seconds.
    pub time_s: f64,
    /// Where each body is (bodies not listed stay at their scene pose).
    pub poses: BodyPoses,
}

/// How to lay out the media.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaOptions {
    /// The camera for every frame.
    pub view: ViewAngle,
    /// Frames across the contact sheet.
    pub sheet_columns: u32,
    /// Frames down the contact sheet.
    pub sheet_rows: u32,
    /// Width of one contact-sheet frame in pixels.
    pub sheet_frame_width_px: u32,
    /// Height of one contact-sheet frame in pixels.
    pub sheet_frame_height_px: u32,
    /// GIF width in pixels.
    pub gif_width_px: u32,
    /// GIF height in pixels.
    pub gif_height_px: u32,
    /// At most this many GIF frames, spread evenly over the run.
    pub gif_max_frames: usize,
    /// Playback speed relative to real time (1 = real time).
    pub gif_speed: f64,
}

impl Default for MediaOptions {
    /// A 60° three-quarter view; a 3×4 sheet of 256×192 frames and a 384×288 GIF of up to 60 frames at real time.
    fn default() -> Self {
        MediaOptions {
            // Steeper than the standard views so the payload stays visible inside bins.
            view: ViewAngle {
                elevation_deg: 60,
                azimuth_deg: 225,
            },
            sheet_columns: 3,
            sheet_rows: 4,
            sheet_frame_width_px: 256,
            sheet_frame_height_px: 192,
            gif_width_px: 384,
            gif_height_px: 288,
            gif_max_frames: 60,
            gif_speed: 1.0,
        }
    }
}

/// The encoded media of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationMedia {
    /// The contact sheet as PNG bytes.
    pub contact_sheet_png: Vec<u8>,
    /// The animation as GIF bytes.
    pub gif: Vec<u8>,
    /// Times in seconds of the frames on the sheet, in reading order.
    pub sheet_times_s: Vec<f64>,
}

impl SimulationMedia {
    /// Writes `contact_sheet.png` and `sim.gif` (with `prefix` before each name, e.g.
    /// `solution_`) into `dir`, creating it. Returns the paths.
    pub fn write(&self, dir: &Path, prefix: &str) -> Result<Vec<PathBuf>, RenderError> {
        super::create_dir(dir)?;
        Ok(vec![
            super::write_file(
                &dir.join(format!("{prefix}{CONTACT_SHEET_FILE}")),
                &self.contact_sheet_png,
            )?,
            super::write_file(&dir.join(format!("{prefix}{GIF_FILE}")), &self.gif)?,
        ])
    }
}

/// `count` indices spread evenly over `0..len`, first and last included.
fn spread(len: usize, count: usize) -> Vec<usize> {
    if len == 0 || count == 0 {
        return Vec::new();
    }
    if count == 1 || len == 1 {
        return vec![0];
    }
    let count = count.min(len);
    (0..count)
        .map(|k| ((k * (len - 1)) as f64 / (count - 1) as f64).round() as usize)
        .collect()
}

fn time_stamp(time_s: f64) -> String {
    format!("T {time_s:.2} S")
}

/// Renders the contact sheet and the GIF of a run of `scene` with the reference solution's
/// parts `solution` (empty for the passive run). `frames` must be in time order; an empty
/// list draws the scene's start as the only frame.
pub fn render_simulation_media(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[Fixture],
    frames: &[SimFrame],
    options: &MediaOptions,
) -> Result<SimulationMedia, RenderError> {
    let sizes = [
        (
            "contact-sheet frame",
            options.sheet_frame_width_px,
            options.sheet_frame_height_px,
        ),
        ("GIF", options.gif_width_px, options.gif_height_px),
    ];
    for (what, w, h) in sizes {
        if !(super::MIN_SIDE_PX..=super::MAX_SIDE_PX).contains(&w)
            || !(super::MIN_SIDE_PX..=super::MAX_SIDE_PX).contains(&h)
        {
            return Err(RenderError::InvalidOptions(format!(
                "{what} size {w}x{h} px is outside 16..=4096 px"
            )));
        }
    }
    if options.sheet_columns == 0
        || options.sheet_rows == 0
        || options.sheet_columns * options.sheet_rows > 64
    {
        return Err(RenderError::InvalidOptions(format!(
            "contact sheet of {}x{} frames; use 1..=64 frames",
            options.sheet_columns, options.sheet_rows
        )));
    }
    let start = [SimFrame {
        time_s: 0.0,
        poses: BodyPoses::new(),
    }];
    let frames = if frames.is_empty() {
        &start[..]
    } else {
        frames
    };
    guarded(|| {
        let geometry = SceneGeometry::new(scene, spawn, solution);
        let sheet_picks = spread(
            frames.len(),
            (options.sheet_columns * options.sheet_rows) as usize,
        );
        let gif_picks = spread(frames.len(), options.gif_max_frames.max(1));
        // One camera for the whole run, framed on where things happen rather than on the
        // (often much larger) bounds, so the payload stays readable in small frames.
        let moments: Vec<_> = gif_picks
            .iter()
            .chain(&sheet_picks)
            .map(|&i| &frames[i].poses)
            .collect();
        let framed = Some(geometry.action_box(&moments));
        let sheet_frames: Vec<Canvas> = sheet_picks
            .par_iter()
            .map(|&i| {
                let overlay = Overlay {
                    legend: false,
                    stamp: Some(time_stamp(frames[i].time_s)),
                    captions: false,
                    framed,
                    payload_marker: false,
                };
                draw::draw_view(
                    &geometry,
                    &geometry.posed(&frames[i].poses),
                    options.view,
                    options.sheet_frame_width_px,
                    options.sheet_frame_height_px,
                    &overlay,
                )
            })
            .collect();
        let sheet = compose_sheet(&geometry, &sheet_frames, options);
        let contact_sheet_png = encode::png_rgb(sheet.width, sheet.height, &sheet.rgb_bytes())?;

        let gif_frames: Vec<Vec<u8>> = gif_picks
            .par_iter()
            .map(|&i| {
                let overlay = Overlay {
                    legend: true,
                    stamp: Some(time_stamp(frames[i].time_s)),
                    captions: false,
                    framed,
                    payload_marker: false,
                };
                draw::draw_view(
                    &geometry,
                    &geometry.posed(&frames[i].poses),
                    options.view,
                    options.gif_width_px,
                    options.gif_height_px,
                    &overlay,
                )
                .rgb_bytes()
            })
            .collect();
        let duration_s = frames.last().map(|f| f.time_s).unwrap_or(0.0) - frames[0].time_s;
        let per_frame_s = if gif_picks.len() > 1 {
            duration_s / (gif_picks.len() - 1) as f64
        } else {
            1.0
        };
        let speed = if options.gif_speed > 0.0 {
            options.gif_speed
        } else {
            1.0
        };
        let delay_cs = (per_frame_s / speed * 100.0).round().clamp(2.0, 1000.0) as u16;
        let gif = encode::gif_rgb(
            options.gif_width_px,
            options.gif_height_px,
            &gif_frames,
            delay_cs,
        )?;
        Ok(SimulationMedia {
            contact_sheet_png,
            gif,
            sheet_times_s: sheet_picks.iter().map(|&i| frames[i].time_s).collect(),
        })
    })
}

/// Lays the frames out in a grid under one legend band, with thin gaps between frames.
fn compose_sheet(geometry: &SceneGeometry, frames: &[Canvas], options: &MediaOptions) -> Canvas {
    const GAP: u32 = 2;
    let (fw, fh) = (options.sheet_frame_width_px, options.sheet_frame_height_px);
    let cols = options.sheet_columns;
    let rows = (frames.len() as u32).div_ceil(cols).max(1);
    let width = cols * fw + (cols + 1) * GAP;
    // A one-row legend band drawn by the view code on a blank strip.
    let band_canvas = draw::legend_strip(geometry, width);
    let band = band_canvas.height;
    let height = band + rows * fh + (rows + 1) * GAP;
    let mut sheet = Canvas::new(width, height, style::HALO, style::HALO);
    sheet.fill_rect(0, band as i32, width, height - band, style::INK, 1.0);
    blit(&mut sheet, &band_canvas, 0, 0);
    for (k, frame) in frames.iter().enumerate() {
        let (c, r) = (k as u32 % cols, k as u32 / cols);
        blit(
            &mut sheet,
            frame,
            GAP + c * (fw + GAP),
            band + GAP + r * (fh + GAP),
        );
    }
    sheet
}

fn blit(dst: &mut Canvas, src: &Canvas, x0: u32, y0: u32) {
    for y in 0..src.height {
        let dy = y0 + y;
        if dy >= dst.height {
            break;
        }
        for x in 0..src.width {
            let dx = x0 + x;
            if dx >= dst.width {
                break;
            }
            dst.rgb[(dy * dst.width + dx) as usize] = src.rgb[(y * src.width + x) as usize];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_first_and_last_and_never_repeats_when_there_is_room() {
        assert_eq!(spread(100, 12).first(), Some(&0));
        assert_eq!(spread(100, 12).last(), Some(&99));
        assert_eq!(spread(5, 12), vec![0, 1, 2, 3, 4]);
        assert_eq!(spread(0, 12), Vec::<usize>::new());
        assert_eq!(spread(7, 1), vec![0]);
    }
}
