//! The monthly digest's chart: small multiples, one panel per indicator, each showing the
//! fiscal-year-to-date total month by month (4月 … 3月), this year against the years before.
//!
//! `render_png` draws a `Chart` into an RGB buffer and encodes it with `png`: `plotters` draws the
//! frames, grid, axes and lines; the text is laid out and rasterised here with `ab_glyph`, from the
//! IPAexGothic font embedded from `assets/fonts/ipaexg.ttf` (IPA Font License,
//! `assets/fonts/IPA_Font_License_Agreement_v1.0.txt`), so Japanese renders the same on every
//! machine with no system font. (plotters' own `ab_glyph` text drops each glyph's side bearing,
//! which leaves gaps after `（` and kana; hence the text is ours.) What goes into the chart —
//! which indicators, which years — is the digest's business; this file only draws.

use super::canvas::{encode_bands, font, text_width, Anchor, Deflate, Label, AXIS, FRAME, TEXT};
use crate::domain::number::group_thousands;
use ab_glyph::FontRef;
use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::coord::types::{RangedCoordi32, RangedCoordu64};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};

/// Width of the PNG in pixels: two panels side by side, readable in Discord's preview.
pub const WIDTH: u32 = 1200;
/// Height of the PNG in pixels: the title, the legend and five rows of panels.
pub const HEIGHT: u32 = 1600;

/// The months of a fiscal year, as many as `Series::values` holds.
pub const MONTHS: usize = 12;

/// One fiscal year's line in a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The fiscal year, as the legend prints it: `令和8年度`.
    pub label: String,
    /// The cumulative total at the end of each month, April first; `None` where it is not known
    /// or still in the future (no line is drawn there). Values beyond the twelfth are ignored.
    pub values: Vec<Option<u64>>,
}

/// One indicator's small chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panel {
    /// `②区と地区担当職員との連携`.
    pub title: String,
    /// The unit counted in, `回` or `件`; printed after the title.
    pub unit: String,
    /// Oldest year first, in the same order in every panel: the chart's last label is the
    /// current year, drawn bold and dark; the years before it thinner and lighter.
    pub series: Vec<Series>,
}

/// The whole picture: a title, then the panels two to a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// `令和8年度 累計（5月末まで）`.
    pub title: String,
    pub panels: Vec<Panel>,
}

/// Why the chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The embedded font did not parse: a broken build, not bad input.
    #[error("グラフ用の日本語フォントを読み込めませんでした")]
    Font,
    #[error("グラフを描画できませんでした（{0}）")]
    Draw(String),
    #[error("グラフをPNG画像にできませんでした（{0}）")]
    Encode(#[from] png::EncodingError),
}

/// Heights of the bands above the panels, in pixels.
const TITLE_HEIGHT: u32 = 70;
const LEGEND_HEIGHT: u32 = 50;
/// Height of a panel's title band, in pixels.
const CAPTION_HEIGHT: u32 = 34;

const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

/// Rows of the chart drawn at a time, at most: the bands are cut at the title and legend and at
/// each row of panels, and again every this many rows — a row of panels (about 290 rows) in
/// two, 0.5 of the 5.8 MiB of pixels. Measured in one release process, Komoro's chart took
/// 20.5 ms in these bands and 24.1 ms drawn whole: the panels drawn twice cost less than
/// the whole picture's pixels going through the cache.
const BAND_ROWS: u32 = 150;

/// The chart as a PNG of `WIDTH` × `HEIGHT` pixels.
pub fn render_png(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    render_png_in_bands(chart, &band_tops(chart)?)
}

/// Where the bands start: at the top, at the panels, at each row of panels, and every
/// `BAND_ROWS` within a taller row.
fn band_tops(chart: &Chart) -> Result<Vec<u32>, ChartError> {
    // The layout alone, on a band of one row.
    let mut row = vec![0xFF; WIDTH as usize * 3];
    let bitmap = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut row, (WIDTH, 1))
        .map_err(|e| ChartError::Draw(e.to_string()))?;
    let root = Band { bitmap, top: 0 }.into_drawing_area();
    let mut starts: Vec<u32> = vec![0, TITLE_HEIGHT + LEGEND_HEIGHT];
    starts.extend(
        panel_cells(&root, chart)
            .iter()
            .filter_map(|cell| u32::try_from(cell.get_pixel_range().1.start).ok()),
    );
    starts.push(HEIGHT);
    starts.sort_unstable();
    starts.dedup();
    let mut tops = Vec::new();
    for pair in starts.windows(2) {
        tops.extend((pair[0]..pair[1]).step_by(BAND_ROWS as usize));
    }
    Ok(tops)
}

/// `render_png`, drawn and encoded a band at a time, the bands starting at `tops`
/// (`canvas::encode_bands`): on each band, the title, legend and panels that reach it are
/// drawn (`Band`), keeping only its rows.
fn render_png_in_bands(chart: &Chart, tops: &[u32]) -> Result<Vec<u8>, ChartError> {
    let font = font()?;
    let mut failed = None;
    // Fast: the digest that posts it has a time budget (`Deflate`).
    let png = encode_bands(WIDTH, HEIGHT, tops, Deflate::Fast, |top, pixels| {
        if failed.is_some() {
            return;
        }
        match draw(chart, font, pixels, top) {
            Ok(labels) => {
                for label in &labels {
                    label.paint(font, pixels, WIDTH, top);
                }
            }
            Err(e) => failed = Some(e),
        }
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(png),
    }
}

/// A band of the chart's rows, from `top`, that plotters draws on as on the whole
/// `WIDTH` × `HEIGHT` picture: every shape is moved up by `top` onto the bitmap of the band,
/// which drops what falls outside it.
struct Band<'a> {
    bitmap: BitMapBackend<'a, RGBPixel>,
    top: i32,
}

impl Band<'_> {
    fn at(&self, (x, y): BackendCoord) -> BackendCoord {
        (x, y - self.top)
    }
}

impl DrawingBackend for Band<'_> {
    type ErrorType = <BitMapBackend<'static, RGBPixel> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.bitmap.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.bitmap.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.bitmap.draw_pixel(self.at(point), color)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if plotters_backend::BackendStyle::stroke_width(style) == 1 {
            let (from, to) = (self.at(from), self.at(to));
            return self.bitmap.draw_line(from, to, style);
        }
        // Thick lines as plotters draws them on the bitmap, through this band's pixels.
        plotters_backend::rasterizer::draw_line(self, from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (upper_left, bottom_right) = (self.at(upper_left), self.at(bottom_right));
        self.bitmap.draw_rect(upper_left, bottom_right, style, fill)
    }
}

type Area<'a> = DrawingArea<Band<'a>, Shift>;
type Plot<'a, 'b> = ChartContext<'a, Band<'b>, Cartesian2d<RangedCoordi32, RangedCoordu64>>;

fn draw_error<E: std::error::Error + Send + Sync>(error: DrawingAreaErrorKind<E>) -> ChartError {
    ChartError::Draw(error.to_string())
}

/// A pixel coordinate; every one here is far below `i32::MAX`.
fn px(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Draws the shapes with plotters and returns the text to paint over them.
fn draw(chart: &Chart, font: &FontRef<'static>, pixels: &mut [u8], top: u32) -> Result<Vec<Label>, ChartError> {
    let band_rows = u32::try_from(pixels.len() / (WIDTH as usize * 3)).unwrap_or(0);
    let bitmap = BitMapBackend::<RGBPixel>::with_buffer_and_format(pixels, (WIDTH, band_rows))
        .map_err(|e| ChartError::Draw(e.to_string()))?;
    let top = i32::try_from(top).unwrap_or(i32::MAX);
    let bottom = top.saturating_add(i32::try_from(band_rows).unwrap_or(i32::MAX));
    // Whether a part of the picture over these rows is on the band: the rest is not drawn.
    let on_band = |rows: std::ops::Range<i32>| rows.start < bottom && rows.end > top;
    let root = Band { bitmap, top }.into_drawing_area();
    root.fill(&WHITE).map_err(draw_error)?;
    let mut labels = vec![Label::new(
        chart.title.as_str(),
        (px(WIDTH / 2), px(TITLE_HEIGHT / 2)),
        Anchor::Centre,
        34.0,
        TEXT,
    )];
    let legend = legend_labels(chart);
    if on_band(0..px(TITLE_HEIGHT + LEGEND_HEIGHT)) {
        draw_legend(&root, font, chart, &legend, &mut labels)?;
    }
    for (panel, cell) in chart.panels.iter().zip(&panel_cells(&root, chart)) {
        // A panel's lines and labels stay inside its cell.
        if on_band(cell.get_pixel_range().1) {
            draw_panel(cell, panel, &legend, &mut labels)?;
        }
    }
    root.present().map_err(draw_error)?;
    Ok(labels)
}

/// Where each panel is drawn: two to a row under the title and legend (one alone).
fn panel_cells<'a>(root: &Area<'a>, chart: &Chart) -> Vec<Area<'a>> {
    let (_, body) = root.split_vertically(TITLE_HEIGHT + LEGEND_HEIGHT);
    let columns = if chart.panels.len() <= 1 { 1 } else { 2 };
    let rows = chart.panels.len().div_ceil(columns).max(1);
    body.margin(0, 10, 10, 10).split_evenly((rows, columns))
}

/// Every series label in the order the panels first name them: oldest first, current last.
fn legend_labels(chart: &Chart) -> Vec<&str> {
    let mut labels: Vec<&str> = Vec::new();
    for series in chart.panels.iter().flat_map(|p| &p.series) {
        if !labels.contains(&series.label.as_str()) {
            labels.push(&series.label);
        }
    }
    labels
}

/// How a series is drawn: by its place among the legend's labels, the last (the current year)
/// thick and dark, the years before thinner and lighter.
fn line_style(label: &str, legend: &[&str]) -> ShapeStyle {
    let age = legend
        .iter()
        .position(|l| *l == label)
        .map_or(usize::MAX, |at| legend.len() - 1 - at);
    match age {
        0 => RGBColor(0x1F, 0x4E, 0x9E).stroke_width(4),
        1 => RGBColor(0x7F, 0xA7, 0xD9).stroke_width(2),
        2 => RGBColor(0xA8, 0xA8, 0xA8).stroke_width(2),
        _ => RGBColor(0xD2, 0xD2, 0xD2).stroke_width(2),
    }
}

/// A series' label as the legend writes it: `令和6年度（記録なし）` for a year no panel has a
/// figure of, so that a line missing from every panel is not looked for.
fn legend_text(chart: &Chart, label: &str) -> String {
    let any = chart
        .panels
        .iter()
        .flat_map(|p| &p.series)
        .filter(|s| s.label == label)
        .any(|s| s.values.iter().any(Option::is_some));
    if any {
        label.to_string()
    } else {
        format!("{label}（記録なし）")
    }
}

/// The legend, centred under the title: a short line in each series' style and its label.
fn draw_legend(
    root: &Area,
    font: &FontRef<'static>,
    chart: &Chart,
    legend: &[&str],
    labels: &mut Vec<Label>,
) -> Result<(), ChartError> {
    const SAMPLE: i32 = 40;
    const GAP: i32 = 10;
    const SPACING: i32 = 36;
    const SIZE: f32 = 22.0;
    let texts: Vec<String> = legend.iter().map(|l| legend_text(chart, l)).collect();
    let widths: Vec<i32> = texts.iter().map(|t| text_width(font, SIZE, t).ceil() as i32).collect();
    let total: i32 = widths.iter().map(|w| SAMPLE + GAP + w + SPACING).sum::<i32>() - SPACING;
    let y = px(TITLE_HEIGHT + LEGEND_HEIGHT / 2);
    let mut x = (px(WIDTH) - total) / 2;
    for ((label, text), width) in legend.iter().zip(texts).zip(widths) {
        root.draw(&PathElement::new(
            vec![(x, y), (x + SAMPLE, y)],
            line_style(label, legend),
        ))
        .map_err(draw_error)?;
        labels.push(Label::new(text, (x + SAMPLE + GAP, y), Anchor::Left, SIZE, TEXT));
        x += SAMPLE + GAP + width + SPACING;
    }
    Ok(())
}

/// `4月` for the first month of the fiscal year … `3月` for the twelfth.
fn month_label(index: i32) -> String {
    format!("{}月", (index + 3).rem_euclid(12) + 1)
}

/// The top of the y axis and the step between its labels: 1, 2 or 5 times a power of ten,
/// at most five steps, never less than one.
fn y_scale(max: u64) -> (u64, u64) {
    let rough = max.div_ceil(5).max(1);
    let mut power = 1u64;
    while power.saturating_mul(10) <= rough {
        power = power.saturating_mul(10);
    }
    let step = [1, 2, 5, 10]
        .into_iter()
        .map(|m| power.saturating_mul(m))
        .find(|s| *s >= rough)
        .unwrap_or(power);
    let top = max.div_ceil(step).max(1).saturating_mul(step);
    (top, step)
}

/// The known points of a series as runs of consecutive months, each run one line.
fn runs(values: &[Option<u64>]) -> Vec<Vec<(i32, u64)>> {
    let mut runs: Vec<Vec<(i32, u64)>> = Vec::new();
    let mut current: Vec<(i32, u64)> = Vec::new();
    for (month, value) in (0i32..).zip(values.iter().take(MONTHS)) {
        match value {
            Some(v) => current.push((month, *v)),
            None if current.is_empty() => {}
            None => runs.push(std::mem::take(&mut current)),
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// One panel: a frame, the title, the axes with their labels, and a line per series.
fn draw_panel(cell: &Area, panel: &Panel, legend: &[&str], labels: &mut Vec<Label>) -> Result<(), ChartError> {
    let (width, height) = cell.dim_in_pixel();
    let (left, top_edge) = cell.get_base_pixel();
    cell.draw(&Rectangle::new(
        [(4, 4), (px(width) - 4, px(height) - 4)],
        FRAME.stroke_width(1),
    ))
    .map_err(draw_error)?;
    let caption = if panel.unit.is_empty() {
        panel.title.clone()
    } else {
        format!("{}（{}）", panel.title, panel.unit)
    };
    labels.push(Label::new(
        caption,
        (left + px(width / 2), top_edge + px(CAPTION_HEIGHT / 2) + 6),
        Anchor::Centre,
        22.0,
        TEXT,
    ));
    let max = panel
        .series
        .iter()
        .flat_map(|s| s.values.iter().take(MONTHS).flatten())
        .copied()
        .max();
    let (top, step) = y_scale(max.unwrap_or(0));
    let area = cell.margin(CAPTION_HEIGHT + 8, 8, 8, 20);
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(28)
        .y_label_area_size(58)
        .build_cartesian_2d(0i32..11i32, 0u64..top)
        .map_err(draw_error)?;
    draw_axes(&mut chart, top, step, labels)?;
    if max.is_none() {
        let (w, h) = chart.plotting_area().dim_in_pixel();
        let (x, y) = chart.plotting_area().get_base_pixel();
        labels.push(Label::new(
            "データなし",
            (x + px(w / 2), y + px(h / 2)),
            Anchor::Centre,
            20.0,
            AXIS,
        ));
        return Ok(());
    }
    let Some(current) = legend.last() else {
        return Ok(());
    };
    // The years before first, so that the current year is drawn over them.
    let mut series: Vec<&Series> = panel.series.iter().collect();
    series.sort_by_key(|s| s.label == *current);
    for s in series {
        let style = line_style(&s.label, legend);
        let is_current = s.label == *current;
        for run in runs(&s.values) {
            if run.len() == 1 || is_current {
                let dots = run
                    .iter()
                    .map(|point| Circle::new(*point, style.stroke_width + 1, style.filled()));
                chart.draw_series(dots).map_err(draw_error)?;
            }
            chart.draw_series(LineSeries::new(run, style)).map_err(draw_error)?;
        }
        if is_current {
            label_last_value(&chart, s, style, labels);
        }
    }
    Ok(())
}

/// Horizontal grid lines at every step, the axes, a tick and a label per month and per step.
fn draw_axes(chart: &mut Plot, top: u64, step: u64, labels: &mut Vec<Label>) -> Result<(), ChartError> {
    let steps = (0..)
        .map(|k: u64| k.saturating_mul(step))
        .take_while(|v| *v <= top)
        .take(12);
    for value in steps {
        let color = if value == 0 { AXIS } else { GRID };
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0, value), (11, value)],
                color.stroke_width(1),
            )))
            .map_err(draw_error)?;
        let (x, y) = chart.backend_coord(&(0, value));
        labels.push(Label::new(
            group_thousands(value),
            (x - 8, y),
            Anchor::Right,
            15.0,
            AXIS,
        ));
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0, 0), (0, top)],
            AXIS.stroke_width(1),
        )))
        .map_err(draw_error)?;
    let ticks = (0..12)
        .map(|month| EmptyElement::at((month, 0)) + PathElement::new(vec![(0, 0), (0, 5)], AXIS.stroke_width(1)));
    chart.draw_series(ticks).map_err(draw_error)?;
    for month in 0..12 {
        let (x, y) = chart.backend_coord(&(month, 0));
        labels.push(Label::new(month_label(month), (x, y + 18), Anchor::Centre, 15.0, AXIS));
    }
    Ok(())
}

/// The current year's latest figure, by its point.
fn label_last_value(chart: &Plot, series: &Series, style: ShapeStyle, labels: &mut Vec<Label>) {
    let last = (0i32..)
        .zip(series.values.iter().take(MONTHS))
        .filter_map(|(month, v)| v.map(|v| (month, v)))
        .last();
    let Some((month, value)) = last else {
        return;
    };
    let (x, y) = chart.backend_coord(&(month, value));
    // Right of the point, or left of it in the last months, where the axis ends; above it, or
    // below it near the top, where the label would cross the panel's title.
    let (dx, anchor) = if month >= 9 {
        (-10, Anchor::Right)
    } else {
        (10, Anchor::Left)
    };
    let (_, plot_top) = chart.backend_coord(&(month, chart.y_range().end));
    let dy = if y - plot_top < 24 { 14 } else { -14 };
    let RGBAColor(r, g, b, _) = style.color;
    labels.push(Label::new(
        group_thousands(value),
        (x + dx, y + dy),
        anchor,
        18.0,
        RGBColor(r, g, b),
    ));
}

#[cfg(test)]
mod tests;
