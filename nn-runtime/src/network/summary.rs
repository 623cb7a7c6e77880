use std::fmt;

/// One row of a network's summary, as the `network!` macro knows it at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerInfo {
    /// The field name, which also prefixes the layer's saved tensors (`dense_0`).
    pub name: &'static str,
    /// The layer as written in the DSL (`dense(300, relu, he_normal)`).
    pub kind: &'static str,
    /// Input width.
    pub input: usize,
    /// Output width.
    pub output: usize,
    /// The output shape as shown, Keras-style: `(batch, 300)`, `(batch, 24, 24, 6)` for an
    /// image (height, width, channels).
    pub shape: &'static str,
    /// Learned scalars.
    pub params: usize,
    /// The activation applied (`"-"` for none).
    pub activation: &'static str,
    /// The kernel's initializer (`"-"` for layers without one), marked when it was chosen by
    /// default.
    pub initializer: &'static str,
    /// Anything else worth a note (`"no bias: batchnorm follows"`).
    pub note: &'static str,
}

/// A Keras-style summary of a network: one row per layer, then the totals.
///
/// ```
/// use nn_runtime::network::{LayerInfo, Summary};
/// let layers = [LayerInfo {
///     name: "dense_0", kind: "dense(10, softmax)", input: 4, output: 10, shape: "(batch, 10)", params: 50,
///     activation: "softmax", initializer: "glorot_uniform", note: "",
/// }];
/// let summary = Summary::new("Tiny", 4, &layers);
/// assert_eq!(summary.total_params(), 50);
/// assert!(summary.to_string().contains("dense_0"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    name: &'static str,
    input: usize,
    input_shape: Option<&'static str>,
    layers: Vec<LayerInfo>,
}

impl Summary {
    /// The summary of network `name` with input width `input` and these layers.
    pub fn new(name: &'static str, input: usize, layers: &[LayerInfo]) -> Self {
        Self {
            name,
            input,
            input_shape: None,
            layers: layers.to_vec(),
        }
    }

    /// Shows the input as `shape` (`(batch, 28, 28, 1)`) rather than `(batch, width)`.
    pub fn with_input_shape(mut self, shape: &'static str) -> Self {
        self.input_shape = Some(shape);
        self
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }

    /// The number of learned scalars in the whole network.
    pub fn total_params(&self) -> usize {
        self.layers.iter().map(|l| l.params).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers = [
            "Layer",
            "Type",
            "Output shape",
            "Params",
            "Activation",
            "Initializer",
        ];
        let rows: Vec<[String; 6]> = self
            .layers
            .iter()
            .map(|l| {
                [
                    l.name.to_owned(),
                    l.kind.to_owned(),
                    l.shape.to_owned(),
                    l.params.to_string(),
                    l.activation.to_owned(),
                    l.initializer.to_owned(),
                ]
            })
            .collect();
        let mut widths = headers.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
        match self.input_shape {
            Some(shape) => writeln!(f, "Network: {} (input: {shape})", self.name)?,
            None => writeln!(f, "Network: {} (input: (batch, {}))", self.name, self.input)?,
        }
        writeln!(f, "{}", "━".repeat(line))?;
        write_row(f, &headers.map(str::to_owned), &widths)?;
        writeln!(f, "{}", "━".repeat(line))?;
        for (row, layer) in rows.iter().zip(&self.layers) {
            write_row(f, row, &widths)?;
            if !layer.note.is_empty() {
                writeln!(f, "  └ {}", layer.note)?;
            }
        }
        writeln!(f, "{}", "━".repeat(line))?;
        writeln!(f, "Total params: {}", group_thousands(self.total_params()))
    }
}

fn write_row(f: &mut fmt::Formatter<'_>, cells: &[String; 6], widths: &[usize; 6]) -> fmt::Result {
    let mut text = String::new();
    for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if index > 0 {
            text.push_str("  ");
        }
        // Numbers right-aligned, text left-aligned.
        if index == 3 {
            text.push_str(&format!("{cell:>width$}"));
        } else {
            text.push_str(&format!("{cell:<width$}"));
        }
    }
    writeln!(f, "{}", text.trim_end())
}

fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(266_610), "266,610");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_table_lists_every_layer_and_the_total() {
        let layers = [
            LayerInfo {
                name: "dense_0",
                kind: "dense(300, relu, he_normal)",
                input: 784,
                output: 300,
                shape: "(batch, 300)",
                params: 235_200,
                activation: "relu",
                initializer: "he_normal",
                note: "no bias: batchnorm follows",
            },
            LayerInfo {
                name: "batch_norm_1",
                kind: "batchnorm",
                input: 300,
                output: 300,
                shape: "(batch, 300)",
                params: 600,
                activation: "-",
                initializer: "-",
                note: "",
            },
        ];
        let text = Summary::new("Mnist", 784, &layers).to_string();
        assert!(text.starts_with("Network: Mnist (input: (batch, 784))"));
        let image = Summary::new("LeNet", 784, &layers).with_input_shape("(batch, 28, 28, 1)");
        assert!(
            image
                .to_string()
                .starts_with("Network: LeNet (input: (batch, 28, 28, 1))")
        );
        let row = text
            .lines()
            .find(|l| l.starts_with("dense_0 "))
            .expect("a dense_0 row");
        let cells: Vec<&str> = row
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(
            cells,
            [
                "dense_0",
                "dense(300, relu, he_normal)",
                "(batch, 300)",
                "235200",
                "relu",
                "he_normal"
            ]
        );
        assert!(text.contains("└ no bias: batchnorm follows"));
        assert!(text.trim_end().ends_with("Total params: 235,800"));
    }
}
