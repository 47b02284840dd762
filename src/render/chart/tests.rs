//! Tests of the chart: the PNG decodes at the documented size, Japanese text is really drawn (not
//! left out, not boxes), odd data draws without panicking, and how long a digest's chart takes.
//!
//! To look at the chart: `KYODO_SAMPLE_CHART=/tmp/chart.png cargo test --lib render::chart`.

use super::*;
use crate::render::canvas::even_bands;
use std::ops::Range;
use std::time::Instant;

/// The PNG's width, height and RGB pixels.
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut pixels).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Pixels darker than mid-grey in a rectangle: text and dark lines, not the grid or the frame.
fn dark_pixels(pixels: &[u8], rows: Range<u32>, columns: Range<u32>) -> usize {
    let mut dark = 0;
    for y in rows {
        for x in columns.clone() {
            let at = (y as usize * WIDTH as usize + x as usize) * 3;
            let sum: u32 = pixels[at..at + 3].iter().map(|c| u32::from(*c)).sum();
            if sum < 3 * 110 {
                dark += 1;
            }
        }
    }
    dark
}

/// The rows where a lone panel's title is drawn: the top band of the first panel.
const PANEL_TITLE_ROWS: Range<u32> = TITLE_HEIGHT + LEGEND_HEIGHT..TITLE_HEIGHT + LEGEND_HEIGHT + CAPTION_HEIGHT;

fn one_panel(title: &str) -> Chart {
    Chart {
        title: String::new(),
        panels: vec![Panel {
            title: title.to_string(),
            unit: String::new(),
            series: vec![],
        }],
    }
}

fn pixels_of(chart: &Chart) -> Vec<u8> {
    let (width, height, pixels) = decode(&render_png(chart).expect("renders"));
    assert_eq!((width, height), (WIDTH, HEIGHT));
    pixels
}

fn cumulative(monthly: &[u64]) -> Vec<u64> {
    monthly
        .iter()
        .scan(0, |total, n| {
            *total += n;
            Some(*total)
        })
        .collect()
}

/// A digest's chart as Komoro's would look at the end of `months_done` months of 令和8年度:
/// ten panels (③ as two), three years, figures of the size in the city's report.
pub(super) fn komoro_like(months_done: usize) -> Chart {
    let panel = |title: &str, unit: &str, years: [[u64; 12]; 3]| Panel {
        title: title.to_string(),
        unit: unit.to_string(),
        series: ["令和6年度", "令和7年度", "令和8年度"]
            .into_iter()
            .zip(years)
            .enumerate()
            .map(|(i, (label, monthly))| Series {
                label: label.to_string(),
                values: cumulative(&monthly)
                    .into_iter()
                    .enumerate()
                    .map(|(m, v)| (i < 2 || m < months_done).then_some(v))
                    .collect(),
            })
            .collect(),
    };
    Chart {
        title: format!("令和8年度 実績の累計（{}月末まで）", (months_done + 2) % 12 + 1),
        panels: vec![
            panel(
                "①区長会活動",
                "回",
                [
                    [1, 2, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1],
                    [1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1],
                    [1, 2, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "②区と地区担当職員との連携",
                "回",
                [
                    [2, 4, 5, 3, 1, 4, 3, 2, 2, 1, 2, 3],
                    [3, 3, 4, 4, 2, 3, 4, 3, 1, 2, 2, 4],
                    [4, 5, 3, 5, 2, 4, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "③ぼらせん相談",
                "件",
                [
                    [140, 152, 160, 148, 120, 150, 161, 155, 130, 118, 142, 157],
                    [150, 160, 158, 151, 131, 149, 166, 160, 128, 122, 150, 160],
                    [155, 171, 163, 160, 138, 152, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "③ぼらせんマッチング",
                "件",
                [
                    [35, 40, 42, 38, 30, 39, 41, 40, 33, 30, 36, 40],
                    [38, 41, 45, 40, 32, 41, 44, 43, 35, 31, 39, 44],
                    [40, 45, 47, 42, 35, 44, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "④市民活動促進事業補助金",
                "件",
                [
                    [0, 0, 3, 1, 0, 0, 1, 0, 0, 0, 0, 0],
                    [0, 1, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0],
                    [0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "⑤市民参加手続き",
                "件",
                [
                    [5, 6, 8, 7, 6, 9, 8, 7, 6, 5, 7, 8],
                    [6, 7, 7, 8, 5, 8, 9, 7, 5, 6, 8, 9],
                    [7, 6, 9, 8, 6, 9, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "⑥区長会・市民活動連携",
                "回",
                [
                    [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0],
                    [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
                    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "⑦情報共有機会",
                "回",
                [
                    [0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0],
                    [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1],
                    [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "⑧条例理念の普及",
                "回",
                [
                    [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
                    [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
                    [0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
                ],
            ),
            panel(
                "⑨各主体の実践の見える化",
                "回",
                [
                    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
                    [1, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1],
                    [2, 1, 1, 2, 1, 1, 0, 0, 0, 0, 0, 0],
                ],
            ),
        ],
    }
}

#[test]
fn the_png_decodes_at_the_documented_size() {
    let pixels = pixels_of(&komoro_like(6));
    assert_eq!(pixels.len(), WIDTH as usize * HEIGHT as usize * 3);
    assert!(dark_pixels(&pixels, 0..HEIGHT, 0..WIDTH) > 10_000, "something is drawn");
}

#[test]
fn japanese_titles_are_drawn_as_glyphs() {
    let columns = 0..WIDTH;
    let japanese = pixels_of(&one_panel("②区と地区担当職員との連携"));
    let empty = pixels_of(&one_panel(""));
    // Characters the font lacks come out as its .notdef glyph: the same count of them must not
    // look like the Japanese title, or the title would be boxes.
    let missing = pixels_of(&one_panel(&"\u{E000}".repeat(13)));
    let drawn = dark_pixels(&japanese, PANEL_TITLE_ROWS, columns.clone());
    assert_eq!(dark_pixels(&empty, PANEL_TITLE_ROWS, columns.clone()), 0);
    assert!(drawn > 500, "only {drawn} dark pixels in the title");
    assert_ne!(japanese, missing, "the Japanese title looks like missing glyphs");
    // Two different kanji give different pictures.
    let other = pixels_of(&one_panel("②区と地区担当職員との連絡"));
    assert_ne!(japanese, other);
}

#[test]
fn the_chart_title_and_legend_are_drawn() {
    let chart = komoro_like(2);
    let pixels = pixels_of(&chart);
    assert!(dark_pixels(&pixels, 0..TITLE_HEIGHT, 0..WIDTH) > 500, "title");
    let legend = TITLE_HEIGHT..TITLE_HEIGHT + LEGEND_HEIGHT;
    assert!(dark_pixels(&pixels, legend.clone(), 0..WIDTH) > 300, "legend");
    let untitled = pixels_of(&Chart {
        title: String::new(),
        ..chart
    });
    assert_eq!(dark_pixels(&untitled, 0..TITLE_HEIGHT, 0..WIDTH), 0);
}

#[test]
fn odd_data_draws_without_panicking() {
    let series = |label: &str, values: Vec<Option<u64>>| Series {
        label: label.to_string(),
        values,
    };
    let charts = [
        Chart {
            title: "記録なし".into(),
            panels: vec![],
        },
        Chart {
            title: "不明と0".into(),
            panels: vec![
                Panel {
                    title: "すべて不明".into(),
                    unit: "回".into(),
                    series: vec![series("令和7年度", vec![None; 12]), series("令和8年度", vec![])],
                },
                Panel {
                    title: "すべて0".into(),
                    unit: "件".into(),
                    series: vec![series("令和8年度", vec![Some(0); 12])],
                },
                Panel {
                    title: "飛び飛び・13か月".into(),
                    unit: "件".into(),
                    series: vec![series(
                        "令和8年度",
                        [Some(1), None, Some(3), Some(u64::MAX / 2)]
                            .into_iter()
                            .cycle()
                            .take(13)
                            .collect(),
                    )],
                },
            ],
        },
        Chart {
            title: "多い".into(),
            panels: komoro_like(12).panels.into_iter().cycle().take(13).collect(),
        },
    ];
    for chart in &charts {
        pixels_of(chart);
    }
}

#[test]
fn scales_and_months() {
    let check = |max: u64, expected: (u64, u64)| assert_eq!(y_scale(max), expected, "max {max}");
    check(0, (1, 1));
    check(1, (1, 1));
    check(4, (4, 1));
    check(7, (8, 2));
    check(10, (10, 2));
    check(38, (40, 10));
    check(1097, (1500, 500));
    check(1853, (2000, 500));
    check(u64::MAX, (u64::MAX, 5_000_000_000_000_000_000));
    let months: Vec<String> = (0..12).map(month_label).collect();
    assert_eq!(
        months,
        ["4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月"]
    );
    assert_eq!(
        runs(&[None, Some(1), Some(2), None, Some(3)]),
        [vec![(1, 1), (2, 2)], vec![(4, 3)]]
    );
}

#[test]
fn render_time_of_a_digest_chart_and_the_same_bytes_every_time() {
    let chart = komoro_like(6);
    let first = render_png(&chart).expect("renders");
    let runs = 3;
    let start = Instant::now();
    let mut bytes = Vec::new();
    for _ in 0..runs {
        bytes = render_png(&chart).expect("renders");
    }
    let each = start.elapsed() / runs;
    assert_eq!(first, bytes, "the same chart gives the same bytes");
    println!(
        "render_png: {} panels × 3 series, {each:?} per chart, {} bytes",
        chart.panels.len(),
        bytes.len()
    );
    if let Some(path) = std::env::var_os("KYODO_SAMPLE_CHART") {
        std::fs::write(&path, &bytes).expect("write the sample chart");
        println!("sample chart written to {}", path.to_string_lossy());
    }
}

#[test]
fn the_legend_says_which_years_have_no_record() {
    let series = |label: &str, values: Vec<Option<u64>>| Series {
        label: label.to_string(),
        values,
    };
    let chart = Chart {
        title: String::new(),
        panels: vec![
            Panel {
                title: "a".into(),
                unit: "回".into(),
                series: vec![
                    series("令和6年度", vec![None; MONTHS]),
                    series("令和7年度", vec![Some(1)]),
                ],
            },
            Panel {
                title: "b".into(),
                unit: "回".into(),
                series: vec![series("令和6年度", vec![None; MONTHS]), series("令和7年度", vec![None])],
            },
        ],
    };
    assert_eq!(legend_text(&chart, "令和6年度"), "令和6年度（記録なし）");
    assert_eq!(
        legend_text(&chart, "令和7年度"),
        "令和7年度",
        "a figure in one panel is enough"
    );
    let (width, height, _) = decode(&render_png(&chart).expect("renders"));
    assert_eq!((width, height), (WIDTH, HEIGHT));
}

#[test]
/// Drawn a band of rows at a time, the chart is the same pixel for pixel as drawn whole,
/// whatever the band: thick lines, frames and labels that cross a band's edge are drawn on
/// both sides of it.
fn a_chart_drawn_in_bands_is_the_chart_drawn_whole() {
    let chart = komoro_like(7);
    let (_, _, whole) = decode(&render_png_in_bands(&chart, &[0]).expect("whole"));
    assert!(
        dark_pixels(&whole, 0..HEIGHT, 0..WIDTH) > 20_000,
        "lines and text are drawn"
    );
    let tops = band_tops(&chart).expect("layout");
    assert!(
        tops.len() >= 7,
        "the title and legend, then each of the 5 rows of panels: {tops:?}"
    );
    let cuts = [
        tops,
        even_bands(HEIGHT, 5),
        even_bands(HEIGHT, 37),
        even_bands(HEIGHT, 1000),
    ];
    for (i, band_tops) in cuts.iter().enumerate() {
        let (width, height, banded) = decode(&render_png_in_bands(&chart, band_tops).expect("banded"));
        assert_eq!((width, height), (WIDTH, HEIGHT));
        let differ = whole.chunks(3).zip(banded.chunks(3)).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "bands {i}: {differ} pixels differ");
    }
}
