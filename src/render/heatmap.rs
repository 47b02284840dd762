//! The contact matrix (`domain::matrix`) as a PNG heat map, attached to the monthly digest: one
//! row per district under its area's row (the area's totals, shaded), one column per month and
//! one for the total; each cell's count printed in it, its shade the darker the more (blank for
//! none), so the districts nobody has visited stand out as white rows.
//!
//! Drawn straight into RGB pixels with the shared text and PNG helpers (`canvas.rs`): a grid
//! of rectangles needs no plotting library. The rectangles and labels are laid out first, then
//! painted and encoded a band of rows at a time, so the whole picture's pixels are never held.

use super::canvas::{
    encode_bands, even_bands, font, text_width, Anchor, Deflate, Fill, Label, AXIS, BAND_ROWS, FRAME, TEXT,
};
use super::chart::ChartError;
use crate::domain::matrix::Matrix;
use plotters::prelude::RGBColor;

const MARGIN: u32 = 16;
const TITLE_HEIGHT: u32 = 64;
const HEADER_HEIGHT: u32 = 28;
const ROW_HEIGHT: u32 = 22;
const MONTH_WIDTH: u32 = 48;
const TOTAL_WIDTH: u32 = 60;
const TEXT_SIZE: f32 = 14.0;

const WHITE: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
const AREA_ROW: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);
/// The lightest and the darkest shade of a cell with a count.
const LIGHT: RGBColor = RGBColor(0xDE, 0xEB, 0xF7);
const DARK: RGBColor = RGBColor(0x08, 0x45, 0x94);

/// The matrix as a PNG under `title` (`連携 区×月 令和8年度（4月〜11月）`); its size follows the
/// matrix: one row per area and district, one column per month.
pub fn render_png(matrix: &Matrix, title: &str) -> Result<Vec<u8>, ChartError> {
    render_png_in_bands(matrix, title, BAND_ROWS)
}

/// `render_png`, painted and encoded `band_rows` rows at a time (`canvas::encode_bands`): the
/// rectangles and labels are laid out once, then each band paints those it meets.
fn render_png_in_bands(matrix: &Matrix, title: &str, band_rows: u32) -> Result<Vec<u8>, ChartError> {
    let font = font()?;
    let name_width = name_width(matrix, font);
    let columns = matrix.months.len() as u32;
    let rows = matrix.areas.iter().map(|a| 1 + a.districts.len() as u32).sum::<u32>();
    let width = MARGIN * 2 + name_width + columns * MONTH_WIDTH + TOTAL_WIDTH;
    let height = MARGIN * 2 + TITLE_HEIGHT + HEADER_HEIGHT + rows * ROW_HEIGHT;
    let mut fills = Vec::new();
    let mut labels = Vec::new();
    let largest = matrix.largest();

    labels.push(Label::new(
        title,
        (px(MARGIN), px(MARGIN + 18)),
        Anchor::Left,
        22.0,
        TEXT,
    ));
    labels.push(Label::new(
        format!(
            "セルは{}の数（色が濃いほど多く、最も多い区・月で{}）。白い行はこの期間にまだない区",
            matrix.counted, largest
        ),
        (px(MARGIN), px(MARGIN + 48)),
        Anchor::Left,
        TEXT_SIZE,
        AXIS,
    ));

    let left = MARGIN + name_width;
    let column_x = |i: u32| left + i * MONTH_WIDTH;
    let total_x = column_x(columns);
    let mut y = MARGIN + TITLE_HEIGHT;
    let middle = |y: u32, h: u32| px(y + h / 2);
    labels.push(Label::new(
        "地区・区",
        (px(MARGIN + 4), middle(y, HEADER_HEIGHT)),
        Anchor::Left,
        TEXT_SIZE,
        AXIS,
    ));
    for (i, month) in matrix.months.iter().enumerate() {
        let x = column_x(i as u32) + MONTH_WIDTH / 2;
        let text = format!("{}月", month.month());
        labels.push(Label::new(
            text,
            (px(x), middle(y, HEADER_HEIGHT)),
            Anchor::Centre,
            TEXT_SIZE,
            AXIS,
        ));
    }
    let x = total_x + TOTAL_WIDTH / 2;
    labels.push(Label::new(
        "計",
        (px(x), middle(y, HEADER_HEIGHT)),
        Anchor::Centre,
        TEXT_SIZE,
        AXIS,
    ));
    y += HEADER_HEIGHT;
    fills.push(Fill {
        at: (MARGIN, y - 1),
        size: (width - MARGIN * 2, 1),
        color: FRAME,
    });

    for area in &matrix.areas {
        // The area's row: its name, how many districts had one, and its totals.
        fills.push(Fill {
            at: (MARGIN, y),
            size: (width - MARGIN * 2, ROW_HEIGHT),
            color: AREA_ROW,
        });
        let name = format!("{}地区（{}/{}区）", area.area, area.met(), area.districts.len());
        labels.push(Label::new(
            name,
            (px(MARGIN + 4), middle(y, ROW_HEIGHT)),
            Anchor::Left,
            TEXT_SIZE,
            TEXT,
        ));
        for (i, n) in area.months(matrix.months.len()).into_iter().enumerate() {
            if n > 0 {
                let x = column_x(i as u32) + MONTH_WIDTH / 2;
                labels.push(Label::new(
                    n.to_string(),
                    (px(x), middle(y, ROW_HEIGHT)),
                    Anchor::Centre,
                    TEXT_SIZE,
                    TEXT,
                ));
            }
        }
        let total: u64 = area.districts.iter().map(|d| d.total()).sum();
        let x = total_x + TOTAL_WIDTH / 2;
        labels.push(Label::new(
            total.to_string(),
            (px(x), middle(y, ROW_HEIGHT)),
            Anchor::Centre,
            TEXT_SIZE,
            TEXT,
        ));
        y += ROW_HEIGHT;

        for district in &area.districts {
            let name = format!("{}区", district.district);
            labels.push(Label::new(
                name,
                (px(MARGIN + 20), middle(y, ROW_HEIGHT)),
                Anchor::Left,
                TEXT_SIZE,
                TEXT,
            ));
            for (i, &n) in district.months.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let share = n as f32 / largest.max(1) as f32;
                let x = column_x(i as u32);
                fills.push(Fill {
                    at: (x + 1, y + 1),
                    size: (MONTH_WIDTH - 2, ROW_HEIGHT - 2),
                    color: shade(share),
                });
                let ink = if share > 0.5 { WHITE } else { TEXT };
                let at = (px(x + MONTH_WIDTH / 2), middle(y, ROW_HEIGHT));
                labels.push(Label::new(n.to_string(), at, Anchor::Centre, TEXT_SIZE, ink));
            }
            let total = district.total();
            let x = total_x + TOTAL_WIDTH / 2;
            let ink = if total == 0 { AXIS } else { TEXT };
            labels.push(Label::new(
                total.to_string(),
                (px(x), middle(y, ROW_HEIGHT)),
                Anchor::Centre,
                TEXT_SIZE,
                ink,
            ));
            fills.push(Fill {
                at: (MARGIN, y + ROW_HEIGHT - 1),
                size: (width - MARGIN * 2, 1),
                color: FRAME,
            });
            y += ROW_HEIGHT;
        }
    }
    // The total column set apart from the months.
    let top = MARGIN + TITLE_HEIGHT;
    fills.push(Fill {
        at: (total_x, top),
        size: (1, height - MARGIN - top),
        color: FRAME,
    });

    // Small: the dashboard's contact matrix page downloads it (`Deflate`).
    encode_bands(
        width,
        height,
        &even_bands(height, band_rows),
        Deflate::Small,
        |top, band| {
            for fill in &fills {
                fill.paint(band, width, top);
            }
            for label in &labels {
                label.paint(font, band, width, top);
            }
        },
    )
}

/// Wide enough for the longest area or district name, and never narrower than 160 pixels.
fn name_width(matrix: &Matrix, font: &ab_glyph::FontRef<'static>) -> u32 {
    let widest = matrix
        .areas
        .iter()
        .flat_map(|a| {
            let area = text_width(font, TEXT_SIZE, &format!("{}地区（{}/{}区）", a.area, 99, 99)) + 8.0;
            let districts = a
                .districts
                .iter()
                .map(|d| text_width(font, TEXT_SIZE, &format!("{}区", d.district)) + 24.0);
            std::iter::once(area).chain(districts)
        })
        .fold(160.0_f32, f32::max);
    widest.ceil() as u32 + 8
}

/// The cell's colour for `share` (0 to 1) of the largest count: from `LIGHT` to `DARK`.
fn shade(share: f32) -> RGBColor {
    let t = share.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
    RGBColor(mix(LIGHT.0, DARK.0), mix(LIGHT.1, DARK.1), mix(LIGHT.2, DARK.2))
}

/// A pixel coordinate; every one here is far below `i32::MAX`.
fn px(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests;
