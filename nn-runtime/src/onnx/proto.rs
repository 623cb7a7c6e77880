//! The ONNX protobuf messages the exporter writes, as `prost` types.
//!
//! Only the subset an inference graph of dense and image layers needs: a model with one graph
//! of nodes, attributes (floats, integers, lists of integers), initializers (floating point,
//! and `INT64` shapes) and typed inputs and outputs. The field numbers are those of the
//! ONNX specification's `onnx.proto3` (IR version 8); fields the exporter never sets are left
//! out, which protobuf allows (absent fields read as their defaults).

use prost::Message;

/// `TensorProto.DataType.FLOAT`.
pub(super) const FLOAT: i32 = 1;
/// `TensorProto.DataType.DOUBLE`.
pub(super) const DOUBLE: i32 = 11;
/// `TensorProto.DataType.INT64` (the shapes `Reshape` takes).
pub(super) const INT64: i32 = 7;

/// `AttributeProto.AttributeType.FLOAT`.
const ATTRIBUTE_FLOAT: i32 = 1;
/// `AttributeProto.AttributeType.INT`.
const ATTRIBUTE_INT: i32 = 2;
/// `AttributeProto.AttributeType.INTS`.
const ATTRIBUTE_INTS: i32 = 7;

/// A whole model: the IR version, the operator sets, the graph.
#[derive(Clone, PartialEq, Message)]
pub(super) struct ModelProto {
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    #[prost(string, tag = "2")]
    pub producer_name: String,
    #[prost(string, tag = "3")]
    pub producer_version: String,
    #[prost(string, tag = "6")]
    pub doc_string: String,
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
}

/// An operator set the model uses: `""` is the default ONNX domain.
#[derive(Clone, PartialEq, Message)]
pub(super) struct OperatorSetIdProto {
    #[prost(string, tag = "1")]
    pub domain: String,
    #[prost(int64, tag = "2")]
    pub version: i64,
}

/// The computation: nodes in topological order, constant tensors, inputs and outputs.
#[derive(Clone, PartialEq, Message)]
pub(super) struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    #[prost(string, tag = "10")]
    pub doc_string: String,
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
}

/// One operator application.
#[derive(Clone, PartialEq, Message)]
pub(super) struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(string, tag = "4")]
    pub op_type: String,
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
}

/// A named attribute of a node; the exporter uses single floats, integers and lists of
/// integers, always written (even a zero), so no reader has to tell an absent value from a
/// default one.
#[derive(Clone, PartialEq, Message)]
pub(super) struct AttributeProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(float, optional, tag = "2")]
    pub f: Option<f32>,
    #[prost(int64, optional, tag = "3")]
    pub i: Option<i64>,
    #[prost(int64, repeated, tag = "8")]
    pub ints: Vec<i64>,
    #[prost(int32, tag = "20")]
    pub r#type: i32,
}

impl AttributeProto {
    /// A float attribute (ONNX attributes are single precision).
    pub(super) fn float(name: &str, value: f64) -> Self {
        Self {
            name: name.to_owned(),
            f: Some(value as f32),
            i: None,
            ints: Vec::new(),
            r#type: ATTRIBUTE_FLOAT,
        }
    }

    /// An integer attribute.
    pub(super) fn int(name: &str, value: i64) -> Self {
        Self {
            name: name.to_owned(),
            f: None,
            i: Some(value),
            ints: Vec::new(),
            r#type: ATTRIBUTE_INT,
        }
    }

    /// A list-of-integers attribute (`kernel_shape`, `strides`, `pads`, `perm`, `axes`).
    pub(super) fn ints(name: &str, values: &[i64]) -> Self {
        Self {
            name: name.to_owned(),
            f: None,
            i: None,
            ints: values.to_vec(),
            r#type: ATTRIBUTE_INTS,
        }
    }
}

/// A constant tensor (an initializer): values in `float_data`, `double_data` or `int64_data`.
#[derive(Clone, PartialEq, Message)]
pub(super) struct TensorProto {
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    #[prost(float, repeated, tag = "4")]
    pub float_data: Vec<f32>,
    #[prost(int64, repeated, tag = "7")]
    pub int64_data: Vec<i64>,
    #[prost(string, tag = "8")]
    pub name: String,
    #[prost(double, repeated, tag = "10")]
    pub double_data: Vec<f64>,
}

/// A named, typed value: the graph's inputs and outputs.
#[derive(Clone, PartialEq, Message)]
pub(super) struct ValueInfoProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
    #[prost(string, tag = "3")]
    pub doc_string: String,
}

/// A value's type; the exporter only writes tensor types.
#[derive(Clone, PartialEq, Message)]
pub(super) struct TypeProto {
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<TensorTypeProto>,
}

/// `TypeProto.Tensor`: element type and shape.
#[derive(Clone, PartialEq, Message)]
pub(super) struct TensorTypeProto {
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

/// A tensor's shape: one entry per axis.
#[derive(Clone, PartialEq, Message)]
pub(super) struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

/// One axis: a fixed size or a symbolic name.
#[derive(Clone, PartialEq, Message)]
pub(super) struct Dimension {
    #[prost(oneof = "DimensionValue", tags = "1, 2")]
    pub value: Option<DimensionValue>,
}

/// `TensorShapeProto.Dimension.value`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub(super) enum DimensionValue {
    /// A fixed size.
    #[prost(int64, tag = "1")]
    DimValue(i64),
    /// A symbolic size (`"batch"`).
    #[prost(string, tag = "2")]
    DimParam(String),
}

impl ValueInfoProto {
    /// A `[batch, width]` tensor of `elem_type` whose first axis is the symbolic `batch`.
    pub(super) fn batch_by(name: &str, elem_type: i32, width: usize, doc: &str) -> Self {
        let dim = vec![
            Dimension {
                value: Some(DimensionValue::DimParam(super::BATCH_AXIS.to_owned())),
            },
            Dimension {
                value: Some(DimensionValue::DimValue(width as i64)),
            },
        ];
        Self {
            name: name.to_owned(),
            r#type: Some(TypeProto {
                tensor_type: Some(TensorTypeProto {
                    elem_type,
                    shape: Some(TensorShapeProto { dim }),
                }),
            }),
            doc_string: doc.to_owned(),
        }
    }
}

/// The model's bytes.
pub(super) fn encode(model: &ModelProto) -> Vec<u8> {
    model.encode_to_vec()
}
