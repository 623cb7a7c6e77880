//! Which framework tensor each of a network's tensors is: names, layouts, module order.

use std::collections::HashMap;

use super::layout::{self, Image};
use super::{Framework, Naming};
use crate::activation::ActivationSpec;
use crate::layer::LayerSpec;
use crate::{Error, Float, Network, Result};

/// What a framework module holds, as far as the mapping cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    /// `nn.Linear` / `keras.layers.Dense`: the kernel and bias.
    Dense,
    /// `nn.Conv2d` / `keras.layers.Conv2D`: the kernel and bias.
    Conv,
    /// `nn.BatchNorm1d` / `keras.layers.BatchNormalization`.
    BatchNorm,
    /// `nn.BatchNorm2d` / `keras.layers.BatchNormalization` on images.
    BatchNorm2d,
    /// `nn.PReLU` / `keras.layers.PReLU`.
    PRelu,
    /// A module without tensors (an activation, dropout, pooling, flatten): it only takes an
    /// index.
    Empty,
}

impl Role {
    /// Whether the network's tensor `name` of a layer lives in this module.
    fn holds(self, name: &str) -> bool {
        match self {
            Self::Dense | Self::Conv => matches!(name, "kernel" | "bias"),
            Self::BatchNorm | Self::BatchNorm2d => {
                matches!(name, "gamma" | "beta" | "moving_mean" | "moving_variance")
            }
            Self::PRelu => name == "alpha",
            Self::Empty => false,
        }
    }
}

/// One framework module: the twin's layer it belongs to, and how its values are laid out.
#[derive(Debug, Clone)]
struct Module {
    layer: &'static str,
    role: Role,
    /// PyTorch: the features this module reads come from an `nn.Flatten` of this image, in
    /// `(c, h, w)` order (the twin's are `(h, w, c)`).
    channels_first: Option<Image>,
    /// Keras: a PReLU on this image keeps its slopes as `[h, w, c]`.
    on_image: Option<Image>,
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
    /// The shape the framework stores (`[out, in]` for a PyTorch linear weight).
    pub framework_shape: Vec<usize>,
    /// Where each framework value sits in the network's tensor: `framework[k] =
    /// network[order[k]]` (both row-major); `None` when the order is the same.
    pub order: Option<Vec<usize>>,
    /// Whether the framework's file may hold a single value to repeat (a shared `nn.PReLU()`).
    pub broadcast: bool,
    /// What the tensor is, for error messages (`PyTorch Linear weight [out, in]`).
    pub what: &'static str,
}

/// The framework's name for a tensor of `role` called `name` in the network.
fn tensor_name(
    framework: Framework,
    role: Role,
    name: &str,
) -> Option<(&'static str, &'static str)> {
    use Framework::{Keras, PyTorch};
    Some(match (framework, role, name) {
        (PyTorch, Role::Dense, "kernel") => ("weight", "PyTorch Linear weight [out, in]"),
        (PyTorch, Role::Dense, "bias") => ("bias", "PyTorch Linear bias [out]"),
        (PyTorch, Role::Conv, "kernel") => ("weight", "PyTorch Conv2d weight [out, in, kh, kw]"),
        (PyTorch, Role::Conv, "bias") => ("bias", "PyTorch Conv2d bias [out]"),
        (PyTorch, Role::BatchNorm, "gamma") => ("weight", "PyTorch BatchNorm1d weight"),
        (PyTorch, Role::BatchNorm, "beta") => ("bias", "PyTorch BatchNorm1d bias"),
        (PyTorch, Role::BatchNorm, "moving_mean") => {
            ("running_mean", "PyTorch BatchNorm1d running_mean")
        }
        (PyTorch, Role::BatchNorm, "moving_variance") => {
            ("running_var", "PyTorch BatchNorm1d running_var")
        }
        (PyTorch, Role::BatchNorm2d, "gamma") => ("weight", "PyTorch BatchNorm2d weight"),
        (PyTorch, Role::BatchNorm2d, "beta") => ("bias", "PyTorch BatchNorm2d bias"),
        (PyTorch, Role::BatchNorm2d, "moving_mean") => {
            ("running_mean", "PyTorch BatchNorm2d running_mean")
        }
        (PyTorch, Role::BatchNorm2d, "moving_variance") => {
            ("running_var", "PyTorch BatchNorm2d running_var")
        }
        (PyTorch, Role::PRelu, "alpha") => ("weight", "PyTorch PReLU weight"),
        (Keras, Role::Dense, "kernel") => ("kernel", "Keras Dense kernel [in, out]"),
        (Keras, Role::Dense, "bias") => ("bias", "Keras Dense bias"),
        (Keras, Role::Conv, "kernel") => ("kernel", "Keras Conv2D kernel [kh, kw, in, out]"),
        (Keras, Role::Conv, "bias") => ("bias", "Keras Conv2D bias"),
        (Keras, Role::BatchNorm | Role::BatchNorm2d, "gamma") => {
            ("gamma", "Keras BatchNormalization gamma")
        }
        (Keras, Role::BatchNorm | Role::BatchNorm2d, "beta") => {
            ("beta", "Keras BatchNormalization beta")
        }
        (Keras, Role::BatchNorm | Role::BatchNorm2d, "moving_mean") => {
            ("moving_mean", "Keras BatchNormalization moving_mean")
        }
        (Keras, Role::BatchNorm | Role::BatchNorm2d, "moving_variance") => (
            "moving_variance",
            "Keras BatchNormalization moving_variance",
        ),
        (Keras, Role::PRelu, "alpha") => ("alpha", "Keras PReLU alpha"),
        _ => return None,
    })
}

/// The walk over a network's layers: the framework's modules in its sequential order, with
/// the shape of the rows between them.
struct Walk {
    framework: Framework,
    modules: Vec<Module>,
    /// The rows are this image (channels last) at this point of the network.
    image: Option<Image>,
    /// PyTorch: the rows are this image flattened channels first, until a dense layer mixes
    /// them.
    channels_first: Option<Image>,
    problem: Option<Error>,
}

impl Walk {
    fn push(&mut self, layer: &'static str, role: Role) {
        self.modules.push(Module {
            layer,
            role,
            channels_first: None,
            on_image: None,
        });
    }

    fn unsupported(&mut self, layer: &'static str, message: String) {
        self.problem.get_or_insert(Error::Unsupported {
            context: format!("{} weights: {layer}", self.framework),
            message,
        });
    }

    /// A layer that needs flat rows: after an image, a `flatten` must come first.
    fn needs_flat(&mut self, layer: &'static str, kind: &str) {
        if let Some((h, w, c)) = self.image {
            self.unsupported(
                layer,
                format!(
                    "a {kind} layer reads a {h}x{w}x{c} image with no flatten before it, so \
                     the framework's module numbering is unknown"
                ),
            );
        }
    }

    /// A PReLU module after `layer`, on the current rows.
    fn prelu(&mut self, layer: &'static str) {
        match (self.framework, self.image) {
            (Framework::PyTorch, Some((h, w, c))) => self.unsupported(
                layer,
                format!(
                    "its prelu has one slope per value of a {h}x{w}x{c} image, and PyTorch's \
                     nn.PReLU keeps one per channel at most (put the prelu after the flatten)"
                ),
            ),
            (Framework::PyTorch, None) => self.modules.push(Module {
                layer,
                role: Role::PRelu,
                channels_first: self.channels_first,
                on_image: None,
            }),
            (Framework::Keras, image) => self.modules.push(Module {
                layer,
                role: Role::PRelu,
                channels_first: None,
                on_image: image,
            }),
        }
    }

    /// The modules of a dense or convolution's activation: PyTorch's separate module; in
    /// Keras inside the layer, but for PReLU.
    fn activation_after<T>(&mut self, layer: &'static str, activation: &ActivationSpec<'_, T>) {
        match (self.framework, activation) {
            (_, ActivationSpec::Linear) => {}
            (_, ActivationSpec::PRelu { .. }) => self.prelu(layer),
            (Framework::PyTorch, _) => self.push(layer, Role::Empty),
            (Framework::Keras, _) => {}
        }
    }

    fn layer<T>(&mut self, layer: &'static str, spec: &LayerSpec<'_, T>) {
        match spec {
            LayerSpec::Dense { activation, .. } => {
                self.needs_flat(layer, "dense");
                self.modules.push(Module {
                    layer,
                    role: Role::Dense,
                    channels_first: self.channels_first.take(),
                    on_image: None,
                });
                self.activation_after(layer, activation);
            }
            LayerSpec::BatchNorm { .. } => {
                self.needs_flat(layer, "batchnorm");
                self.modules.push(Module {
                    layer,
                    role: Role::BatchNorm,
                    channels_first: self.channels_first,
                    on_image: None,
                });
            }
            LayerSpec::Conv2d {
                output, activation, ..
            } => {
                self.push(layer, Role::Conv);
                self.image = Some(*output);
                self.activation_after(layer, activation);
            }
            LayerSpec::MaxPool2d { output, .. } | LayerSpec::AvgPool2d { output, .. } => {
                self.push(layer, Role::Empty);
                self.image = Some(*output);
            }
            LayerSpec::BatchNorm2d { .. } => self.push(layer, Role::BatchNorm2d),
            LayerSpec::GlobalAvgPool { .. } => {
                // PyTorch: nn.AdaptiveAvgPool2d(1), then nn.Flatten() (channels only: no
                // reordering); Keras: GlobalAveragePooling2D.
                self.push(layer, Role::Empty);
                if self.framework == Framework::PyTorch {
                    self.push(layer, Role::Empty);
                }
                self.image = None;
            }
            LayerSpec::Flatten { input } => {
                self.push(layer, Role::Empty);
                self.image = None;
                if self.framework == Framework::PyTorch {
                    self.channels_first = Some(*input);
                }
            }
            LayerSpec::Dropout { .. } | LayerSpec::AlphaDropout { .. } => {
                self.push(layer, Role::Empty);
            }
            LayerSpec::Activation(ActivationSpec::PRelu { .. }) => self.prelu(layer),
            LayerSpec::Activation(_) => self.push(layer, Role::Empty),
        }
    }
}

/// The network's tensor `name` (of `shape`) as `module` stores it: the framework's shape,
/// the order of its values, whether one value may stand for all.
fn layout_of(
    framework: Framework,
    module: &Module,
    name: &str,
    shape: &[usize],
) -> (Vec<usize>, Option<Vec<usize>>, bool) {
    let count: usize = shape.iter().product();
    match (framework, module.role, shape) {
        (Framework::PyTorch, Role::Dense, &[rows, cols]) if name == "kernel" => (
            vec![cols, rows],
            Some(layout::linear_weight(
                rows,
                cols,
                module.channels_first.filter(|&(h, w, c)| h * w * c == rows),
            )),
            false,
        ),
        (Framework::PyTorch, Role::Conv, &[kh, kw, ic, oc]) if name == "kernel" => (
            vec![oc, ic, kh, kw],
            Some(layout::conv_weight((kh, kw, ic, oc))),
            false,
        ),
        (Framework::Keras, Role::PRelu, _) => match module.on_image {
            Some((h, w, c)) => (vec![h, w, c], None, false),
            None => (shape.to_vec(), None, false),
        },
        (Framework::PyTorch, role, _) => {
            let order = module
                .channels_first
                .filter(|&(h, w, c)| {
                    matches!(role, Role::BatchNorm | Role::PRelu) && h * w * c == count
                })
                .map(|image| layout::channels_first_features(count, image));
            (shape.to_vec(), order, role == Role::PRelu)
        }
        (Framework::Keras, _, _) => (shape.to_vec(), None, false),
    }
}

/// Every tensor of `network` with its framework key, in the network's visiting order.
///
/// # Errors
/// [`Error::Format`] if `naming` gives a number of names other than the number of modules
/// with tensors, or the network holds a tensor the mapping does not know;
/// [`Error::Unsupported`] for what the framework has no module for (a PyTorch PReLU with a
/// slope per pixel) or a dense layer reading an image with no `flatten` visited before it.
pub(super) fn plan<T: Float, N: Network<T> + ?Sized>(
    network: &N,
    framework: Framework,
    naming: &Naming,
) -> Result<Vec<Entry>> {
    let mut walk = Walk {
        framework,
        modules: Vec::new(),
        image: None,
        channels_first: None,
        problem: None,
    };
    network.visit_layers(&mut |layer| walk.layer(layer.name(), &layer.spec()));
    if let Some(problem) = walk.problem {
        return Err(problem);
    }
    let modules = walk.modules;
    let holding = modules.iter().filter(|m| m.role != Role::Empty).count();
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
    // Each holding module's name: its index in the sequential container, or the given name.
    let given_names: &[String] = match naming {
        Naming::Modules(names) => names,
        Naming::Sequential => &[],
    };
    let mut given = given_names.iter();
    let named: Vec<(usize, String)> = modules
        .iter()
        .enumerate()
        .filter(|(_, m)| m.role != Role::Empty)
        .map(|(index, _)| {
            let name = match naming {
                Naming::Sequential => index.to_string(),
                Naming::Modules(_) => given.next().cloned().unwrap_or_default(),
            };
            (index, name)
        })
        .collect();
    let by_layer: HashMap<&str, Vec<&(usize, String)>> =
        named.iter().fold(HashMap::new(), |mut map, entry| {
            map.entry(modules[entry.0].layer).or_default().push(entry);
            map
        });
    let mut entries = Vec::new();
    let mut problem = None;
    network.visit_tensors(&mut |t| {
        let found = by_layer.get(t.layer).and_then(|candidates| {
            let (index, module_name) = candidates
                .iter()
                .find(|(index, _)| modules[*index].role.holds(t.name))?;
            let module = &modules[*index];
            let (name, what) = tensor_name(framework, module.role, t.name)?;
            let (framework_shape, order, broadcast) =
                layout_of(framework, module, t.name, t.shape.dims());
            Some(Entry {
                nn_key: format!("{}.{}", t.layer, t.name),
                key: format!("{module_name}.{name}"),
                module: module_name.clone(),
                framework_shape,
                order,
                broadcast,
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
