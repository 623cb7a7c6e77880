//! Building a graph: nodes with fresh output names, initializers, scalar constants.

use std::collections::HashSet;

use super::proto::{AttributeProto, DOUBLE, FLOAT, INT64, NodeProto, TensorProto};
use crate::{Error, Float, Result};

/// The graph under construction, in one element type (`FLOAT` or `DOUBLE`).
pub(super) struct GraphBuilder {
    pub(super) nodes: Vec<NodeProto>,
    pub(super) initializers: Vec<TensorProto>,
    elem_type: i32,
    names: HashSet<String>,
}

impl GraphBuilder {
    /// An empty graph whose tensors are of `T`'s ONNX type (`FLOAT` for `f32`, `DOUBLE` for
    /// `f64`); the graph's input name is taken.
    ///
    /// # Errors
    /// [`Error::Format`] if `T` is neither `f32` nor `f64` (by its [`Float::DTYPE`]).
    pub(super) fn new<T: Float>(input: &str) -> Result<Self> {
        let elem_type = match T::DTYPE {
            "F32" => FLOAT,
            "F64" => DOUBLE,
            other => {
                return Err(Error::Format {
                    context: "to_onnx".to_owned(),
                    message: format!("element type of dtype {other}; expected F32 or F64"),
                });
            }
        };
        Ok(Self {
            nodes: Vec::new(),
            initializers: Vec::new(),
            elem_type,
            names: HashSet::from([input.to_owned()]),
        })
    }

    /// The ONNX element type of every tensor in the graph.
    pub(super) fn elem_type(&self) -> i32 {
        self.elem_type
    }

    /// Whether the graph is in double precision.
    pub(super) fn is_double(&self) -> bool {
        self.elem_type == DOUBLE
    }

    /// `base`, or `base_1`, `base_2`, ... : a value name not used yet, now taken.
    fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 0;
        while self.names.contains(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        self.names.insert(name.clone());
        name
    }

    /// Adds the initializer `name` of shape `dims` with `values` (row-major).
    ///
    /// # Errors
    /// [`Error::Format`] if `name` is taken (two layers of one name) or the number of values
    /// is not the product of `dims`.
    pub(super) fn initializer<T: Float>(
        &mut self,
        name: &str,
        dims: &[usize],
        values: impl Iterator<Item = T>,
    ) -> Result<String> {
        if self.names.contains(name) {
            return Err(Error::Format {
                context: "to_onnx".to_owned(),
                message: format!(
                    "two tensors named {name}; expected every layer to have its own name"
                ),
            });
        }
        self.names.insert(name.to_owned());
        let values: Vec<f64> = values.map(Float::as_f64).collect();
        if values.len() != dims.iter().product::<usize>() {
            return Err(Error::Format {
                context: format!("to_onnx: {name}"),
                message: format!("{} values for shape {dims:?}", values.len()),
            });
        }
        let mut tensor = TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: self.elem_type,
            name: name.to_owned(),
            ..TensorProto::default()
        };
        if self.is_double() {
            tensor.double_data = values;
        } else {
            // Exact: the values were f32 before they were widened.
            tensor.float_data = values.into_iter().map(|v| v as f32).collect();
        }
        self.initializers.push(tensor);
        Ok(name.to_owned())
    }

    /// A scalar constant of the graph's element type (a fresh initializer of shape `[]`).
    pub(super) fn scalar(&mut self, base: &str, value: f64) -> String {
        let name = self.fresh(base);
        let mut tensor = TensorProto {
            data_type: self.elem_type,
            name: name.clone(),
            ..TensorProto::default()
        };
        if self.is_double() {
            tensor.double_data = vec![value];
        } else {
            tensor.float_data = vec![value as f32];
        }
        self.initializers.push(tensor);
        name
    }

    /// An `INT64` constant of shape `[dims.len()]` holding `dims` (a fresh initializer): the
    /// target shape of a `Reshape`.
    pub(super) fn shape(&mut self, base: &str, dims: &[i64]) -> String {
        let name = self.fresh(base);
        self.initializers.push(TensorProto {
            dims: vec![dims.len() as i64],
            data_type: INT64,
            int64_data: dims.to_vec(),
            name: name.clone(),
            ..TensorProto::default()
        });
        name
    }

    /// `Cast(x, to)`: the value `x` as the ONNX element type `to`.
    pub(super) fn cast(&mut self, x: &str, to: i32, base: &str) -> String {
        self.node(
            "Cast",
            &[x],
            vec![AttributeProto::int("to", i64::from(to))],
            base,
        )
    }

    /// Appends the node `op(inputs)` with `attributes`; returns its output, a fresh name
    /// built from `base`.
    pub(super) fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
        base: &str,
    ) -> String {
        let output = self.fresh(base);
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|&i| i.to_owned()).collect(),
            output: vec![output.clone()],
            name: output.clone(),
            op_type: op.to_owned(),
            attribute: attributes,
        });
        output
    }

    /// Appends `Identity(input)` writing to `output` exactly (the graph's output name).
    pub(super) fn identity_to(&mut self, input: &str, output: &str) {
        self.names.insert(output.to_owned());
        self.nodes.push(NodeProto {
            input: vec![input.to_owned()],
            output: vec![output.to_owned()],
            name: output.to_owned(),
            op_type: "Identity".to_owned(),
            attribute: Vec::new(),
        });
    }
}
