//! The example's two figures, drawn with plotters as SVG: per-layer profiles and
//! training curves.

use std::path::Path;

use plotters::prelude::*;

/// One line of a chart: its name and points.
pub type Line = (String, Vec<(f64, f64)>);

/// One chart: title, x label, y label, lines.
pub struct Panel {
    /// The chart's title.
    pub title: String,
    /// What the x axis counts.
    pub x_label: &'static str,
    /// What the y axis shows.
    pub y_label: &'static str,
    /// The lines.
    pub lines: Vec<Line>,
}

const COLORS: [RGBColor; 4] = [RED, BLUE, GREEN, MAGENTA];

/// Draws `panels` side by side in rows of two into the SVG file `path`.
pub fn draw(path: &Path, panels: &[Panel]) -> Result<(), String> {
    let rows = panels.len().div_ceil(2);
    let root = SVGBackend::new(path, (1100, 380 * rows as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let areas = root.split_evenly((rows, 2));
    for (area, panel) in areas.iter().zip(panels) {
        draw_panel(area, panel)?;
    }
    root.present().map_err(|e| e.to_string())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
) -> Result<(), String> {
    let points = || {
        panel
            .lines
            .iter()
            .flat_map(|(_, points)| points.iter())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    };
    let (x_low, x_high) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &(x, _)| {
        (l.min(x), h.max(x))
    });
    let (y_low, y_high) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &(_, y)| {
        (l.min(y), h.max(y))
    });
    if !x_low.is_finite() || !y_low.is_finite() {
        return Ok(());
    }
    let margin = ((y_high - y_low) * 0.05).max(1e-3);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(
            x_low..x_high.max(x_low + 1.0),
            (y_low - margin)..(y_high + margin),
        )
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(panel.x_label)
        .y_desc(panel.y_label)
        .draw()
        .map_err(|e| e.to_string())?;
    for ((name, points), color) in panel.lines.iter().zip(COLORS.iter().cycle()) {
        let finite: Vec<(f64, f64)> = points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        let color = *color;
        chart
            .draw_series(LineSeries::new(finite, color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}
