//! Which framework tensor each of a network's tensors is: names, layouts, module order.

use std::collections::HashMap;

use super::{Framework, Naming};
use crate::activation::ActivationSpec;
use crate::layer::LayerSpec;
use crate::{Error, Float, Network, Result};

/// What a framework module holds, as far as the mapping cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    /// `nn.Linear` / `keras.layers.Dense`: the kernel and bias.
    Dense,
    /// `nn.BatchNorm1d` / `keras.layers.BatchNormalization`.
    BatchNorm,
    /// `nn.PReLU` / `keras.layers.PReLU`.
    PRelu,
    /// A module without tensors (an activation, dropout): it only takes an index.
    Empty,
}

/// One tensor of the network and its counterpart in the framework's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// The network's key, `dense_0.kernel`.
    pub nn_key: String,
    /// The framework's key, `0.weight`.
    pub key: String,
    /// The framework module's name (`0`), for the tensors to ignore (`num_batches_tracked`).
    pub module: String,
    /// The shape in the network, `[in, out]` for a kernel.
    pub shape: Vec<usize>,
    /// Whether the framework stores the transpose (PyTorch's `Linear.weight`, `[out, in]`).
    pub transposed: bool,
    /// Whether the framework's file may hold a single value to repeat (a shared `nn.PReLU()`).
    pub broadcast: bool,
    /// What the tensor is, for error messages (`PyTorch Linear weight [out, in]`).
    pub what: &'static str,
}

impl Entry {
    /// The shape the framework stores.
    pub fn framework_shape(&self) -> Vec<usize> {
        if self.transposed {
            self.shape.iter().rev().copied().collect()
        } else {
            self.shape.clone()
        }
    }
}

/// The modules a layer becomes in `framework`, in order.
fn roles<T>(framework: Framework, spec: &LayerSpec<'_, T>) -> Vec<Role> {
    let activation_role = |activation: &ActivationSpec<'_, T>| match activation {
        ActivationSpec::PRelu { .. } => Role::PRelu,
        _ => Role::Empty,
    };
    match spec {
        LayerSpec::Dense { activation, .. } => match (framework, activation) {
            (_, ActivationSpec::Linear) => vec![Role::Dense],
            (Framework::Keras, ActivationSpec::PRelu { .. }) => vec![Role::Dense, Role::PRelu],
            // Keras puts every other activation inside its Dense layer.
            (Framework::Keras, _) => vec![Role::Dense],
            (Framework::PyTorch, activation) => vec![Role::Dense, activation_role(activation)],
        },
        LayerSpec::BatchNorm { .. } => vec![Role::BatchNorm],
        LayerSpec::Dropout { .. } | LayerSpec::AlphaDropout { .. } => vec![Role::Empty],
        LayerSpec::Activation(activation) => vec![activation_role(activation)],
        // Image layers: `plan` refuses them before this matters.
        _ => vec![Role::Empty],
    }
}

/// Whether the weight exchange covers this kind of layer: dense, batch norm, dropout and
/// activation layers (image layers are not mapped yet).
fn is_mapped<T>(spec: &LayerSpec<'_, T>) -> bool {
    matches!(
        spec,
        LayerSpec::Dense { .. }
            | LayerSpec::BatchNorm { .. }
            | LayerSpec::Dropout { .. }
            | LayerSpec::AlphaDropout { .. }
            | LayerSpec::Activation(_)
    )
}

/// The framework's name for a tensor of `role` called `name` in the network.
fn tensor_name(
    framework: Framework,
    role: Role,
    name: &str,
) -> Option<(&'static str, &'static str)> {
    Some(match (framework, role, name) {
        (Framework::PyTorch, Role::Dense, "kernel") => {
            ("weight", "PyTorch Linear weight [out, in]")
        }
        (Framework::PyTorch, Role::Dense, "bias") => ("bias", "PyTorch Linear bias [out]"),
        (Framework::PyTorch, Role::BatchNorm, "gamma") => ("weight", "PyTorch BatchNorm1d weight"),
        (Framework::PyTorch, Role::BatchNorm, "beta") => ("bias", "PyTorch BatchNorm1d bias"),
        (Framework::PyTorch, Role::BatchNorm, "moving_mean") => {
            ("running_mean", "PyTorch BatchNorm1d running_mean")
        }
        (Framework::PyTorch, Role::BatchNorm, "moving_variance") => {
            ("running_var", "PyTorch BatchNorm1d running_var")
        }
        (Framework::PyTorch, Role::PRelu, "alpha") => ("weight", "PyTorch PReLU weight"),
        (Framework::Keras, Role::Dense, "kernel") => ("kernel", "Keras Dense kernel [in, out]"),
        (Framework::Keras, Role::Dense, "bias") => ("bias", "Keras Dense bias"),
        (Framework::Keras, Role::BatchNorm, "gamma") => ("gamma", "Keras BatchNormalization gamma"),
        (Framework::Keras, Role::BatchNorm, "beta") => ("beta", "Keras BatchNormalization beta"),
        (Framework::Keras, Role::BatchNorm, "moving_mean") => {
            ("moving_mean", "Keras BatchNormalization moving_mean")
        }
        (Framework::Keras, Role::BatchNorm, "moving_variance") => (
            "moving_variance",
            "Keras BatchNormalization moving_variance",
        ),
        (Framework::Keras, Role::PRelu, "alpha") => ("alpha", "Keras PReLU alpha"),
        _ => return None,
    })
}

/// The role within its layer that holds the network's tensor `name`.
fn role_of(name: &str) -> Option<Role> {
    match name {
        "kernel" | "bias" => Some(Role::Dense),
        "gamma" | "beta" | "moving_mean" | "moving_variance" => Some(Role::BatchNorm),
        "alpha" => Some(Role::PRelu),
        _ => None,
    }
}

/// Every tensor of `network` with its framework key, in the network's visiting order.
///
/// # Errors
/// [`Error::Format`] if `naming` gives a number of names other than the number of modules
/// with tensors, or the network holds a tensor the mapping does not know;
/// [`Error::Unsupported`] for an image layer (convolution, pooling, batch norm over channels).
pub(super) fn plan<T: Float, N: Network<T> + ?Sized>(
    network: &N,
    framework: Framework,
    naming: &Naming,
) -> Result<Vec<Entry>> {
    // Each layer's modules, numbered as the framework's Sequential numbers them.
    let mut layers: Vec<(&'static str, Vec<Role>)> = Vec::new();
    let mut unmapped: Option<(&'static str, &'static str)> = None;
    network.visit_layers(&mut |layer| {
        let spec = layer.spec();
        if !is_mapped(&spec) && unmapped.is_none() {
            unmapped = Some((layer.name(), spec.kind_name()));
        }
        layers.push((layer.name(), roles(framework, &spec)));
    });
    if let Some((name, kind)) = unmapped {
        return Err(Error::Unsupported {
            context: format!("{framework} weights"),
            message: format!(
                "{name} is a {kind} layer, which the weight exchange does not map yet (dense, \
                 batch norm, dropout and activation layers are exchanged)"
            ),
        });
    }
    let holding = layers
        .iter()
        .flat_map(|(_, roles)| roles.iter())
        .filter(|&&role| role != Role::Empty)
        .count();
    if let Naming::Modules(names) = naming
        && names.len() != holding
    {
        return Err(Error::Format {
            context: format!("{framework} module names"),
            message: format!(
                "{} names; expected {holding}, one per {framework} module with tensors, in \
                 order",
                names.len()
            ),
        });
    }
    let mut modules: HashMap<(&'static str, Role), String> = HashMap::new();
    let (mut index, mut named) = (0usize, 0usize);
    for (layer, roles) in &layers {
        for &role in roles {
            let name = match naming {
                Naming::Sequential => index.to_string(),
                Naming::Modules(names) if role != Role::Empty => {
                    named += 1;
                    names[named - 1].clone()
                }
                Naming::Modules(_) => String::new(),
            };
            index += 1;
            if role != Role::Empty {
                modules.insert((layer, role), name);
            }
        }
    }
    let mut entries = Vec::new();
    let mut problem = None;
    network.visit_tensors(&mut |t| {
        let found = role_of(t.name).and_then(|role| {
            let module = modules.get(&(t.layer, role))?;
            let (name, what) = tensor_name(framework, role, t.name)?;
            Some(Entry {
                nn_key: format!("{}.{}", t.layer, t.name),
                key: format!("{module}.{name}"),
                module: module.clone(),
                shape: t.shape.dims().to_vec(),
                transposed: framework == Framework::PyTorch
                    && role == Role::Dense
                    && t.name == "kernel",
                broadcast: framework == Framework::PyTorch && role == Role::PRelu,
                what,
            })
        });
        match found {
            Some(entry) => entries.push(entry),
            None => {
                problem.get_or_insert(Error::Format {
                    context: format!("{}.{}", t.layer, t.name),
                    message: format!("a tensor with no {framework} counterpart"),
                });
            }
        }
    });
    problem.map_or(Ok(entries), Err)
}
