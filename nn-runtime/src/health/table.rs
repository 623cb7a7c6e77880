//! [`HealthReport`] as a table, followed by its verdicts.

use std::fmt;

use super::report::{HealthReport, LayerHealth};

const HEADERS: [&str; 11] = [
    "layer",
    "kind",
    "activation",
    "mean",
    "std",
    "dead",
    "saturated",
    "std dL/dz",
    "|dW|",
    "|dW|/out",
    "lr·|dW|/|W|",
];

impl fmt::Display for HealthReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut heading = String::from("gradient health");
        if let Some(epoch) = self.epoch() {
            heading.push_str(&format!(", epoch {}", epoch + 1));
        }
        if let Some(loss) = self.loss() {
            heading.push_str(&format!(", loss {loss:.4}"));
        }
        heading.push_str(&format!(", learning rate {:.3e}", self.learning_rate()));
        writeln!(f, "{heading}")?;

        let rows: Vec<[String; 11]> = self.layers().iter().map(row).collect();
        let mut widths = HEADERS.map(|header| header.chars().count());
        for cells in &rows {
            for (width, cell) in widths.iter_mut().zip(cells) {
                *width = (*width).max(cell.chars().count());
            }
        }
        write_line(f, &HEADERS.map(str::to_owned), &widths)?;
        for cells in &rows {
            write_line(f, cells, &widths)?;
        }
        let verdicts = self.verdicts();
        if verdicts.is_empty() {
            write!(f, "healthy: no gradient problem found")?;
        }
        for (index, verdict) in verdicts.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{verdict}")?;
        }
        Ok(())
    }
}

fn write_line(
    f: &mut fmt::Formatter<'_>,
    cells: &[String; 11],
    widths: &[usize; 11],
) -> fmt::Result {
    let line: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(cell, &width)| format!("{cell:<width$}"))
        .collect();
    writeln!(f, "{}", line.join("  ").trim_end())
}

fn row(layer: &LayerHealth) -> [String; 11] {
    let percent =
        |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{:.0}%", v * 100.0));
    let scientific = |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{v:.1e}"));
    [
        layer.name.to_owned(),
        layer.kind.to_owned(),
        layer
            .activation
            .map_or("-", |activation| activation.dsl_name())
            .to_owned(),
        format!("{:.4}", layer.mean),
        format!("{:.4}", layer.std),
        percent(layer.dead_fraction),
        percent(layer.saturated_fraction),
        scientific(layer.backprop_std),
        scientific(layer.weight_grad_norm),
        scientific(layer.relative_grad_norm),
        scientific(layer.update_ratio),
    ]
}
