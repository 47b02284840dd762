//! Text and pixels shared by the PNG pictures (`chart.rs`, `heatmap.rs`): the Japanese font
//! embedded in the binary and parsed once, labels laid out and rasterised with `ab_glyph` and
//! blended into RGB pixels, rectangles (`Fill`), and the picture painted and encoded as a PNG a
//! band of rows at a time (`encode_bands`), so that no picture's pixels are held whole.
//!
//! The font is IPAexGothic, embedded from `assets/fonts/ipaexg.ttf` (IPA Font License,
//! `assets/fonts/IPA_Font_License_Agreement_v1.0.txt`), so Japanese renders the same on every
//! machine with no system font.

use super::chart::ChartError;
use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::RGBColor;
use std::io::Write;
use std::sync::OnceLock;

/// Text, and the lines and labels of axes; quieter text.
pub(super) const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(super) const AXIS: RGBColor = RGBColor(0x59, 0x59, 0x59);
/// Frames and rules.
pub(super) const FRAME: RGBColor = RGBColor(0xD0, 0xD0, 0xD0);

/// IPAexGothic 004.01, unmodified, from Debian's `fonts-ipaexfont-gothic` 00401-5.
const FONT: &[u8] = include_bytes!("../../assets/fonts/ipaexg.ttf");

/// The embedded font, parsed once per process.
pub(super) fn font() -> Result<&'static FontRef<'static>, ChartError> {
    static PARSED: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    PARSED
        .get_or_init(|| FontRef::try_from_slice(FONT).ok())
        .as_ref()
        .ok_or(ChartError::Font)
}

/// Lets the font's pages go once a band of a picture is painted. A glyph read maps the 64 KiB of
/// the binary around it (the kernel's fault-around), so one heat map of 68 districts left 1.7
/// MiB of the font resident for good, in every process that painted one. The pages are the
/// binary's own, unchanged: the next band maps the ones it reads again, from the page cache.
fn release_font() {
    const PAGE: usize = 4096;
    let start = FONT.as_ptr() as usize;
    let first = start.div_ceil(PAGE) * PAGE;
    let end = (start + FONT.len()) / PAGE * PAGE;
    if end > first {
        // SAFETY: whole pages inside the embedded font, read-only data mapped from the binary:
        // dropped, they read the same bytes from the file again when next touched.
        let done = unsafe { libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_DONTNEED) };
        if done != 0 {
            tracing::debug!(error = %std::io::Error::last_os_error(), "madvise of the font refused");
        }
    }
}

/// Where a label's point is, horizontally; vertically the point is always the text's middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Anchor {
    Left,
    Centre,
    Right,
}

/// A line of text to paint over what plotters drew, in pixels of the whole image.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Label {
    text: String,
    at: (i32, i32),
    anchor: Anchor,
    size: f32,
    color: RGBColor,
}

impl Label {
    pub(super) fn new(text: impl Into<String>, at: (i32, i32), anchor: Anchor, size: f32, color: RGBColor) -> Label {
        Label {
            text: text.into(),
            at,
            anchor,
            size,
            color,
        }
    }

    /// Paints the glyphs, each at its advance and side bearing, blended into the RGB buffer of
    /// an image `width` pixels wide whose first row is the picture's row `top` (a band,
    /// `encode_bands`; 0 for a whole picture). A label wholly outside the rows is skipped.
    pub(super) fn paint(&self, font: &FontRef<'static>, pixels: &mut [u8], width: u32, top: u32) {
        let rows = pixels.len() as i64 / (i64::from(width) * 3).max(1);
        // Every glyph lies within its size of the label's middle.
        let reach = self.size.ceil() as i64 + 2;
        let (first, y) = (i64::from(top), i64::from(self.at.1));
        if y + reach < first || y - reach >= first + rows {
            return;
        }
        let scale = PxScale::from(self.size);
        let scaled = font.as_scaled(scale);
        let text = text_width(font, self.size, &self.text);
        let x = self.at.0 as f32;
        let mut caret = match self.anchor {
            Anchor::Left => x,
            Anchor::Centre => x - text / 2.0,
            Anchor::Right => x - text,
        };
        // The middle between the ascender and the descender lines at the label's point.
        let baseline = self.at.1 as f32 + (scaled.ascent() + scaled.descent()) / 2.0;
        let mut previous = None;
        for c in self.text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                caret += scaled.kern(previous, id);
            }
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            if let Some(outline) = font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    let x = bounds.min.x as i64 + i64::from(gx);
                    let y = bounds.min.y as i64 + i64::from(gy) - first;
                    blend(pixels, width, x, y, self.color, coverage);
                });
            }
            caret += scaled.h_advance(id);
            previous = Some(id);
        }
    }
}

/// Mixes `color` into the pixel at (`x`, `y`) of an image `width` pixels wide by `coverage`
/// (0 to 1); outside the image, nothing.
pub(super) fn blend(pixels: &mut [u8], width: u32, x: i64, y: i64, color: RGBColor, coverage: f32) {
    let height = pixels.len() as i64 / (i64::from(width) * 3).max(1);
    // Most of a glyph's box is not inked.
    if coverage <= 0.0 || x < 0 || y < 0 || x >= i64::from(width) || y >= height {
        return;
    }
    let Ok(at) = usize::try_from((y * i64::from(width) + x) * 3) else {
        return;
    };
    let alpha = coverage.clamp(0.0, 1.0);
    let RGBColor(r, g, b) = color;
    for (channel, ink) in pixels[at..at + 3].iter_mut().zip([r, g, b]) {
        let mixed = f32::from(*channel) * (1.0 - alpha) + f32::from(ink) * alpha;
        *channel = mixed.round().clamp(0.0, 255.0) as u8;
    }
}

/// The advance width of a text in pixels.
pub(super) fn text_width(font: &FontRef<'static>, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            width += scaled.kern(previous, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    width
}

/// Rows of a picture painted at a time by `encode_bands`, at most.
pub(super) const BAND_ROWS: u32 = 64;

/// The first rows of bands of `rows` rows each down a picture `height` rows tall, for
/// `encode_bands`.
pub(super) fn even_bands(height: u32, rows: u32) -> Vec<u32> {
    (0..height.max(1)).step_by(rows.max(1) as usize).collect()
}

/// How a picture's rows are deflated: both after the `Up` filter (not every filter tried on
/// every row, which costs as much as the rest). Measured on 10 fiscal years × 20,000 records
/// (summaries and dashboard benches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Deflate {
    /// `fdeflate`: a digest's chart in 10 ms at 766 KB, for the digest's time budget (≤ 30 ms
    /// with its chart). zlib's level 1 took 18 ms: sliding its window's hash chains runs
    /// scalar in this size-optimised build.
    Fast,
    /// zlib's level 1: a quarter to a third of the size (the digest's chart 184 KB instead of
    /// 766 KB, the dashboard's heat map of a year 375 KB instead of 1.2 MB), for pages that a
    /// phone downloads, in under 50 ms (the heat map's p99 27 ms).
    Small,
}

/// A picture `width` × `height` painted and encoded as a PNG a band of rows at a time, the
/// bands starting at `tops` (the first at 0, in order; each runs to the next, the last to the
/// bottom): `paint(top, band)` paints the band whose first row is `top` on white. Only a band's
/// pixels are in memory — whole, the heat map of 68 districts took 4.6 MiB and the chart
/// 5.8 MiB, while the dashboard and the bot serve beside each other.
pub(super) fn encode_bands(
    width: u32,
    height: u32,
    tops: &[u32],
    deflate: Deflate,
    mut paint: impl FnMut(u32, &mut [u8]),
) -> Result<Vec<u8>, ChartError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_filter(png::Filter::Up);
    encoder.set_deflate_compression(match deflate {
        Deflate::Fast => png::DeflateCompression::FdeflateUltraFast,
        Deflate::Small => png::DeflateCompression::Level(1),
    });
    let mut writer = encoder.write_header()?;
    let mut stream = writer.stream_writer()?;
    // Each band from its top to the next, over the whole height whatever `tops` says.
    let mut cuts: Vec<u32> = tops.iter().copied().filter(|&t| t > 0 && t < height).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts.insert(0, 0);
    cuts.push(height);
    let bands: Vec<(u32, u32)> = cuts.windows(2).map(|w| (w[0], w[1] - w[0])).collect();
    let row_bytes = width as usize * 3;
    let tallest = bands.iter().map(|&(_, rows)| rows).max().unwrap_or(0);
    let mut band = vec![0xFF; row_bytes * tallest as usize];
    for (top, rows) in bands {
        let band = &mut band[..row_bytes * rows as usize];
        band.fill(0xFF);
        paint(top, band);
        release_font();
        stream.write_all(band).map_err(png::EncodingError::from)?;
    }
    stream.finish()?;
    writer.finish()?;
    Ok(bytes)
}

/// A rectangle of `size` (w × h) pixels whose top left is `at` (x, y), in `color`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Fill {
    pub(super) at: (u32, u32),
    pub(super) size: (u32, u32),
    pub(super) color: RGBColor,
}

impl Fill {
    /// Paints the part of the rectangle inside the RGB buffer of an image `width` pixels wide
    /// whose first row is the picture's row `top` (as `Label::paint`).
    pub(super) fn paint(&self, pixels: &mut [u8], width: u32, top: u32) {
        let rows = pixels.len() / (width as usize * 3).max(1);
        let ((x, y), (w, h)) = (self.at, self.size);
        let RGBColor(r, g, b) = self.color;
        let first = y.max(top) - top;
        let last = (y.saturating_add(h).saturating_sub(top) as usize).min(rows);
        for row in (first as usize)..last {
            for column in (x as usize)..(x as usize + w as usize).min(width as usize) {
                let at = (row * width as usize + column) * 3;
                pixels[at..at + 3].copy_from_slice(&[r, g, b]);
            }
        }
    }
}
