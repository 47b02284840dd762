//! Tests of the heat map: its size follows the matrix, each cell's shade follows its count (white
//! for none, darkest for the largest), the Japanese text is drawn, and odd matrices draw.
//!
//! To look at it: `KYODO_SAMPLE_HEATMAP=/tmp/heatmap.png cargo test --lib render::heatmap`.

use super::*;
use crate::domain::catalogue::Catalogue;
use crate::domain::YearMonth;

fn komoro() -> Catalogue {
    Catalogue::parse(include_str!("../../../config/kyodo.toml")).expect("config")
}

fn months(n: u32) -> Vec<YearMonth> {
    let mut month = YearMonth::new(2026, 4).expect("month");
    (0..n)
        .map(|_| {
            let this = month;
            month = month.next();
            this
        })
        .collect()
}

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut pixels).expect("PNG data");
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

fn pixel(pixels: &[u8], width: u32, (x, y): (u32, u32)) -> RGBColor {
    let at = (y as usize * width as usize + x as usize) * 3;
    RGBColor(pixels[at], pixels[at + 1], pixels[at + 2])
}

/// The top left of the cell of `district` (0-based over all districts, in order) and `month`.
fn cell(matrix: &Matrix, district: usize, month: u32) -> (u32, u32) {
    let name_width = name_width(matrix, font().expect("font"));
    let mut row = 0;
    let mut seen = 0;
    for area in &matrix.areas {
        row += 1;
        if district < seen + area.districts.len() {
            row += (district - seen) as u32;
            break;
        }
        seen += area.districts.len();
        row += area.districts.len() as u32;
    }
    let x = MARGIN + name_width + month * MONTH_WIDTH;
    let y = MARGIN + TITLE_HEIGHT + HEADER_HEIGHT + row * ROW_HEIGHT;
    (x, y)
}

fn dark_pixels(pixels: &[u8], width: u32, rows: std::ops::Range<u32>) -> usize {
    rows.flat_map(|y| (0..width).map(move |x| (x, y)))
        .filter(|&p| {
            let RGBColor(r, g, b) = pixel(pixels, width, p);
            u32::from(r) + u32::from(g) + u32::from(b) < 3 * 110
        })
        .count()
}

#[test]
fn every_district_a_row_every_month_a_column_and_the_shade_follows_the_count() {
    let c = komoro();
    let first = &c.areas[0];
    let counts = vec![
        (months(8)[0], first.name.clone(), first.districts[0].clone(), 1),
        (months(8)[7], first.name.clone(), first.districts[1].clone(), 4),
    ];
    let matrix = Matrix::new(&c, "地区連携", months(8), counts);
    let bytes = render_png(&matrix, "地区連携 区×月 令和8年度（4月〜11月）").expect("renders");
    if let Ok(path) = std::env::var("KYODO_SAMPLE_HEATMAP") {
        std::fs::write(path, &bytes).expect("sample");
    }
    let (width, height, pixels) = decode(&bytes);
    let districts: usize = c.areas.iter().map(|a| a.districts.len()).sum();
    let rows = (c.areas.len() + districts) as u32;
    assert_eq!(height, MARGIN * 2 + TITLE_HEIGHT + HEADER_HEIGHT + rows * ROW_HEIGHT);
    let name_width = name_width(&matrix, font().expect("font"));
    assert_eq!(width, MARGIN * 2 + name_width + 8 * MONTH_WIDTH + TOTAL_WIDTH);

    // A corner of each cell, clear of its number: the largest darkest, a smaller one lighter,
    // none white.
    let corner = |(x, y): (u32, u32)| pixel(&pixels, width, (x + 2, y + 2));
    assert_eq!(corner(cell(&matrix, 1, 7)), DARK);
    assert_eq!(corner(cell(&matrix, 0, 0)), shade(0.25));
    assert_ne!(shade(0.25), LIGHT);
    assert_eq!(corner(cell(&matrix, 0, 1)), WHITE);
    assert_eq!(corner(cell(&matrix, 2, 7)), WHITE);
    assert_eq!(corner(cell(&matrix, districts - 1, 7)), WHITE);

    // Text is drawn: the title and the header's months, and every row's name.
    assert!(dark_pixels(&pixels, width, MARGIN..MARGIN + 36) > 500);
    let last_row = height - MARGIN - ROW_HEIGHT;
    assert!(dark_pixels(&pixels, width, last_row..last_row + ROW_HEIGHT) > 50);
}

#[test]
fn a_single_month_no_records_and_huge_counts_draw() {
    let c = komoro();
    let empty = Matrix::new(&c, "地区連携", months(1), Vec::new());
    let (width, _, pixels) = decode(&render_png(&empty, "空").expect("renders"));
    // With nothing recorded every cell is white.
    let corner = cell(&empty, 0, 0);
    assert_eq!(pixel(&pixels, width, (corner.0 + 2, corner.1 + 2)), WHITE);

    let area = &c.areas[0];
    let huge = vec![(
        months(12)[11],
        area.name.clone(),
        area.districts[0].clone(),
        u64::MAX / 4,
    )];
    let matrix = Matrix::new(&c, "地区連携", months(12), huge);
    assert!(render_png(&matrix, "大きな数").is_ok());
}

#[test]
/// Painted a band of rows at a time, the picture is the same pixel for pixel as painted whole,
/// whatever the band: labels and rectangles that cross a band's edge are painted on both sides.
fn a_picture_painted_in_bands_is_the_picture_painted_whole() {
    let c = komoro();
    let counts: Vec<_> = c
        .areas
        .iter()
        .flat_map(|a| a.districts.iter().map(move |d| (a.name.clone(), d.clone())))
        .enumerate()
        .map(|(i, (area, district))| (months(12)[i % 12], area, district, 1 + i as u64 % 9))
        .collect();
    let matrix = Matrix::new(&c, "地区連携", months(12), counts);
    let title = "地区連携 区×月 令和8年度";
    let (width, height, whole) = decode(&render_png_in_bands(&matrix, title, u32::MAX).expect("whole"));
    assert!(
        dark_pixels(&whole, width, 0..height) > 5_000,
        "text and shades are drawn"
    );
    for band in [1, 7, BAND_ROWS, 100] {
        let (w, h, banded) = decode(&render_png_in_bands(&matrix, title, band).expect("banded"));
        assert_eq!((w, h), (width, height));
        let differ = whole.chunks(3).zip(banded.chunks(3)).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "{band} rows a band: {differ} pixels differ");
    }
}
