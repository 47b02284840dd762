//! The digest's chart (`chart::Chart`: each indicator's fiscal-year-to-date total month by
//! month, this year against the years before) as SVG, for the dashboard: the same data as the
//! PNG, drawn by the browser with its own Japanese fonts, so it stays sharp when printed.
//! Presentation attributes only (no `style`), every text escaped; pure, like the rest of
//! `render`.

use super::chart::Chart;

const PANEL_WIDTH: u32 = 320;
const PANEL_HEIGHT: u32 = 190;
const GAP: u32 = 20;
const TITLE_HEIGHT: u32 = 36;
const LEGEND_HEIGHT: u32 = 30;
/// The plot inside a panel: left margin for the figures, bottom for the months.
const LEFT: u32 = 44;
const TOP: u32 = 28;
const BOTTOM: u32 = 24;
const RIGHT: u32 = 10;
/// The years before, lightest first; this year is `CURRENT`.
const EARLIER: [&str; 3] = ["#bdbdbd", "#969696", "#6a6a6a"];
const CURRENT: &str = "#0b5394";
/// The months of a fiscal year from its first, as the axis writes them.
const MONTHS: [u32; 12] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3];

/// The chart as one SVG document: the title, the panels two to a row, the legend.
pub fn chart_svg(chart: &Chart) -> String {
    let columns = 2;
    let rows = chart.panels.len().div_ceil(columns) as u32;
    let width = columns as u32 * PANEL_WIDTH + GAP;
    let height = TITLE_HEIGHT + rows * (PANEL_HEIGHT + GAP) + LEGEND_HEIGHT;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\" font-family=\"Noto Sans CJK JP, Noto Sans JP, sans-serif\">",
        escape(&chart.title)
    );
    out.push_str(&format!("<title>{}</title>", escape(&chart.title)));
    out.push_str(&format!(
        "<text x=\"{}\" y=\"24\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>",
        width / 2,
        escape(&chart.title)
    ));
    let years = chart.panels.first().map_or(0, |p| p.series.len());
    for (i, panel) in chart.panels.iter().enumerate() {
        let x0 = (i % columns) as u32 * (PANEL_WIDTH + GAP);
        let y0 = TITLE_HEIGHT + (i / columns) as u32 * (PANEL_HEIGHT + GAP);
        out.push_str(&format!("<g transform=\"translate({x0} {y0})\">"));
        out.push_str(&format!(
            "<text x=\"4\" y=\"16\" font-size=\"13\" fill=\"#1a1a1a\">{}（{}）</text>",
            escape(&panel.title),
            escape(&panel.unit)
        ));
        let top = panel
            .series
            .iter()
            .flat_map(|s| s.values.iter().take(12).flatten())
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let plot_w = PANEL_WIDTH - LEFT - RIGHT;
        let plot_h = PANEL_HEIGHT - TOP - BOTTOM;
        let x = |m: usize| LEFT as f64 + plot_w as f64 * m as f64 / 11.0;
        let y = |v: u64| TOP as f64 + plot_h as f64 * (1.0 - v as f64 / top as f64);
        for v in [0, top / 2, top] {
            out.push_str(&format!(
                "<line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"#e4e4e4\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#4a4a4a\">{v}</text>",
                y(v),
                PANEL_WIDTH - RIGHT,
                y(v),
                LEFT - 4,
                y(v) + 3.5
            ));
        }
        for (m, month) in MONTHS.iter().enumerate() {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#4a4a4a\">{month}月</text>",
                x(m),
                PANEL_HEIGHT - 8
            ));
        }
        for (s, series) in panel.series.iter().enumerate() {
            let (colour, stroke) = colour(s, years);
            // Each run of known months is a line of its own (a gap where a month is unknown).
            let mut runs: Vec<Vec<String>> = vec![Vec::new()];
            for (m, value) in series.values.iter().take(12).enumerate() {
                match value {
                    Some(v) => runs
                        .last_mut()
                        .into_iter()
                        .for_each(|r| r.push(format!("{:.1},{:.1}", x(m), y(*v)))),
                    None => runs.push(Vec::new()),
                }
            }
            for run in runs.iter().filter(|r| !r.is_empty()) {
                out.push_str(&format!(
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{stroke}\"><title>{}</title></polyline>",
                    run.join(" "),
                    escape(&series.label)
                ));
            }
        }
        out.push_str("</g>");
    }
    if let Some(panel) = chart.panels.first() {
        let y = height - 10;
        for (s, series) in panel.series.iter().enumerate() {
            let (colour, stroke) = colour(s, years);
            let x = 10 + s as u32 * 160;
            out.push_str(&format!(
                "<line x1=\"{x}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"{stroke}\"/><text x=\"{}\" y=\"{y}\" font-size=\"12\" fill=\"#1a1a1a\">{}</text>",
                y - 4,
                x + 24,
                y - 4,
                x + 30,
                escape(&series.label)
            ));
        }
    }
    out.push_str("</svg>");
    out
}

/// The colour and width of series `s` of `years`: the last is this year.
fn colour(s: usize, years: usize) -> (&'static str, u32) {
    if s + 1 == years {
        (CURRENT, 3)
    } else {
        let back = years - 1 - s; // 1 for last year
        (EARLIER[EARLIER.len().saturating_sub(back).min(EARLIER.len() - 1)], 2)
    }
}

/// Text for SVG (XML): `&`, `<`, `>` and quotes escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::chart::{Panel, Series};

    #[test]
    fn each_panel_draws_its_years_with_escaped_japanese_labels() {
        let chart = Chart {
            title: "令和8年度 累計（5月末まで）".into(),
            panels: vec![Panel {
                title: "①<区長会>".into(),
                unit: "回".into(),
                series: vec![
                    Series {
                        label: "令和7年度".into(),
                        values: vec![Some(1), Some(3), Some(4)],
                    },
                    Series {
                        label: "令和8年度".into(),
                        values: vec![Some(2), None, Some(5)],
                    },
                ],
            }],
        };
        let svg = chart_svg(&chart);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("<title>令和8年度 累計（5月末まで）</title>"));
        assert!(svg.contains("①&lt;区長会&gt;（回）") && !svg.contains("<区長会>"));
        assert!(svg.contains(">4月</text>") && svg.contains(">3月</text>"));
        assert_eq!(
            svg.matches("<polyline").count(),
            1 + 2,
            "this year's gap splits its line"
        );
        assert!(!svg.contains("style="));
    }
}
