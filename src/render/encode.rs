//! Deterministic PNG and GIF encoding: fixed settings, no timestamps, no adaptive palettes.

use super::RenderError;

/// Encodes 8-bit RGB pixels as a PNG.
pub fn png_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, RenderError> {
    encode_png(
        width,
        height,
        png::ColorType::Rgb,
        png::BitDepth::Eight,
        None,
        rgb,
    )
}

/// Encodes 8-bit palette indices as an indexed PNG with the given RGB palette.
pub fn png_indexed(
    width: u32,
    height: u32,
    palette: &[u8],
    indices: &[u8],
) -> Result<Vec<u8>, RenderError> {
    encode_png(
        width,
        height,
        png::ColorType::Indexed,
        png::BitDepth::Eight,
        Some(palette),
        indices,
    )
}

/// Encodes 16-bit grey values as a PNG (big-endian, as PNG stores them).
pub fn png_gray16(width: u32, height: u32, values: &[u16]) -> Result<Vec<u8>, RenderError> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    encode_png(
        width,
        height,
        png::ColorType::Grayscale,
        png::BitDepth::Sixteen,
        None,
        &bytes,
    )
}

fn encode_png(
    width: u32,
    height: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    palette: Option<&[u8]>,
    data: &[u8],
) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(depth);
        encoder.set_compression(png::Compression::Fast);
        if let Some(palette) = palette {
            encoder.set_palette(palette.to_vec());
        }
        let mut writer = encoder
            .write_header()
            .map_err(|e| RenderError::Encode(format!("PNG header: {e}")))?;
        writer
            .write_image_data(data)
            .map_err(|e| RenderError::Encode(format!("PNG data: {e}")))?;
        writer
            .finish()
            .map_err(|e| RenderError::Encode(format!("PNG end: {e}")))?;
    }
    Ok(out)
}

/// Levels per channel of the GIF's colour cube.
const CUBE_LEVELS: usize = 6;
/// Grey ramp entries after the cube (6³ + 40 = 256).
const GREY_LEVELS: usize = 256 - CUBE_LEVELS * CUBE_LEVELS * CUBE_LEVELS;

/// The fixed 256-colour GIF palette: a 6×6×6 colour cube plus a fine grey ramp (most of a
/// render is grey, so the ramp keeps shading smooth).
fn gif_palette() -> Vec<u8> {
    let mut p = Vec::with_capacity(256 * 3);
    for r in 0..CUBE_LEVELS {
        for g in 0..CUBE_LEVELS {
            for b in 0..CUBE_LEVELS {
                p.extend([r, g, b].map(|c| (c * 255 / (CUBE_LEVELS - 1)) as u8));
            }
        }
    }
    for k in 0..GREY_LEVELS {
        let v = (k * 255 / (GREY_LEVELS - 1)) as u8;
        p.extend([v, v, v]);
    }
    p
}

fn gif_index(px: &[u8]) -> u8 {
    let (r, g, b) = (px[0] as i32, px[1] as i32, px[2] as i32);
    let spread = r.max(g).max(b) - r.min(g).min(b);
    if spread < 14 {
        let grey = (r + g + b) / 3;
        let k = (grey * (GREY_LEVELS as i32 - 1) + 127) / 255;
        return (CUBE_LEVELS.pow(3) as i32 + k) as u8;
    }
    let q = |c: i32| ((c * (CUBE_LEVELS as i32 - 1) + 127) / 255) as usize;
    (q(r) * CUBE_LEVELS * CUBE_LEVELS + q(g) * CUBE_LEVELS + q(b)) as u8
}

/// Encodes RGB frames of one size as a looping GIF, each shown for `delay_cs` centiseconds.
pub fn gif_rgb(
    width: u32,
    height: u32,
    frames: &[Vec<u8>],
    delay_cs: u16,
) -> Result<Vec<u8>, RenderError> {
    let (w, h) = (
        u16::try_from(width).map_err(|_| RenderError::Encode("GIF width above 65535 px".into()))?,
        u16::try_from(height)
            .map_err(|_| RenderError::Encode("GIF height above 65535 px".into()))?,
    );
    let palette = gif_palette();
    let mut out = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut out, w, h, &palette)
            .map_err(|e| RenderError::Encode(format!("GIF header: {e}")))?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(|e| RenderError::Encode(format!("GIF loop: {e}")))?;
        for rgb in frames {
            let indices: Vec<u8> = rgb.chunks_exact(3).map(gif_index).collect();
            let frame = gif::Frame {
                width: w,
                height: h,
                delay: delay_cs,
                buffer: std::borrow::Cow::Owned(indices),
                ..gif::Frame::default()
            };
            encoder
                .write_frame(&frame)
                .map_err(|e| RenderError::Encode(format!("GIF frame: {e}")))?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_has_256_entries_and_maps_pure_colours_exactly() {
        let palette = gif_palette();
        assert_eq!(palette.len(), 768);
        for px in [[255u8, 0, 0], [0, 255, 0], [255, 255, 255], [0, 0, 0]] {
            let i = gif_index(&px) as usize;
            assert_eq!(&palette[i * 3..i * 3 + 3], &px);
        }
    }

    #[test]
    fn encoders_are_byte_stable() {
        let rgb: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 7) as u8).collect();
        assert_eq!(png_rgb(4, 3, &rgb).unwrap(), png_rgb(4, 3, &rgb).unwrap());
        let a = gif_rgb(4, 3, &[rgb.clone(), rgb.clone()], 5).unwrap();
        assert_eq!(a, gif_rgb(4, 3, &[rgb.clone(), rgb], 5).unwrap());
        assert_eq!(&a[..6], b"GIF89a");
    }
}
