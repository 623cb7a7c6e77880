//! The single table of names the DSL knows: layers, activations, initializers, options and
//! opt-outs, with the parameters each takes.
//!
//! Every other module spells names through these constants, so a rename happens here only.

// Layers.
pub(crate) const DENSE: &str = "dense";
pub(crate) const BATCHNORM: &str = "batchnorm";
pub(crate) const DROPOUT: &str = "dropout";
pub(crate) const ALPHA_DROPOUT: &str = "alpha_dropout";
pub(crate) const CONV2D: &str = "conv2d";
pub(crate) const MAXPOOL: &str = "maxpool";
pub(crate) const AVGPOOL: &str = "avgpool";
pub(crate) const GLOBAL_AVGPOOL: &str = "global_avgpool";
pub(crate) const FLATTEN: &str = "flatten";

// Activations.
pub(crate) const LINEAR: &str = "linear";
pub(crate) const RELU: &str = "relu";
pub(crate) const LEAKY_RELU: &str = "leaky_relu";
pub(crate) const PRELU: &str = "prelu";
pub(crate) const RRELU: &str = "rrelu";
pub(crate) const ELU: &str = "elu";
pub(crate) const SELU: &str = "selu";
pub(crate) const SIGMOID: &str = "sigmoid";
pub(crate) const TANH: &str = "tanh";
pub(crate) const SOFTMAX: &str = "softmax";
pub(crate) const GELU: &str = "gelu";
pub(crate) const SWISH: &str = "swish";

// Initializers.
pub(crate) const GLOROT_NORMAL: &str = "glorot_normal";
pub(crate) const GLOROT_UNIFORM: &str = "glorot_uniform";
pub(crate) const LECUN_NORMAL: &str = "lecun_normal";
pub(crate) const LECUN_UNIFORM: &str = "lecun_uniform";
pub(crate) const HE_NORMAL: &str = "he_normal";
pub(crate) const HE_UNIFORM: &str = "he_uniform";
pub(crate) const ZEROS: &str = "zeros";
pub(crate) const ONES: &str = "ones";
pub(crate) const RANDOM_NORMAL: &str = "random_normal";
pub(crate) const RANDOM_UNIFORM: &str = "random_uniform";

// Opt-outs (`allow = ...`).
pub(crate) const ALLOW: &str = "allow";
pub(crate) const INIT_MISMATCH: &str = "init_mismatch";
pub(crate) const SELF_NORMALIZATION: &str = "self_normalization";
pub(crate) const LINEAR_STACK: &str = "linear_stack";
pub(crate) const SATURATING_STACK: &str = "saturating_stack";
pub(crate) const UNUSED_PIXELS: &str = "unused_pixels";

// Choices of `gelu(approximate)`.
pub(crate) const APPROXIMATE_TANH: &str = "tanh";
pub(crate) const APPROXIMATE_NONE: &str = "none";

/// The layers that are not activations.
pub(crate) const LAYERS: &[&str] = &[
    DENSE,
    CONV2D,
    MAXPOOL,
    AVGPOOL,
    GLOBAL_AVGPOOL,
    FLATTEN,
    BATCHNORM,
    DROPOUT,
    ALPHA_DROPOUT,
];

// Choices of `conv2d(padding)`.
pub(crate) const VALID: &str = "valid";
pub(crate) const SAME: &str = "same";

/// The activations, each also usable alone as a layer.
pub(crate) const ACTIVATIONS: &[&str] = &[
    RELU, LEAKY_RELU, PRELU, RRELU, ELU, SELU, GELU, SWISH, SIGMOID, TANH, SOFTMAX, LINEAR,
];

/// The initializers.
pub(crate) const INITIALIZERS: &[&str] = &[
    GLOROT_NORMAL,
    GLOROT_UNIFORM,
    LECUN_NORMAL,
    LECUN_UNIFORM,
    HE_NORMAL,
    HE_UNIFORM,
    ZEROS,
    ONES,
    RANDOM_NORMAL,
    RANDOM_UNIFORM,
];

/// The opt-outs.
pub(crate) const ALLOWS: &[&str] = &[
    INIT_MISMATCH,
    SELF_NORMALIZATION,
    LINEAR_STACK,
    SATURATING_STACK,
    UNUSED_PIXELS,
];

/// What kind of thing a name stands for, for "did you mean" and "is a ..., not a ..." hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    Layer,
    Activation,
    Initializer,
    Allow,
}

impl Category {
    /// Every category, in the order hints search them.
    pub(crate) const ALL: [Category; 4] = [
        Self::Layer,
        Self::Activation,
        Self::Initializer,
        Self::Allow,
    ];

    /// The names in this category.
    pub(crate) fn names(self) -> &'static [&'static str] {
        match self {
            Self::Layer => LAYERS,
            Self::Activation => ACTIVATIONS,
            Self::Initializer => INITIALIZERS,
            Self::Allow => ALLOWS,
        }
    }

    /// The noun, for messages: "layer", "activation".
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::Layer => "layer",
            Self::Activation => "activation",
            Self::Initializer => "initializer",
            Self::Allow => "opt-out",
        }
    }

    /// The noun with its article, for messages: "a layer", "an activation".
    pub(crate) fn a_noun(self) -> &'static str {
        match self {
            Self::Layer => "a layer",
            Self::Activation => "an activation",
            Self::Initializer => "an initializer",
            Self::Allow => "an opt-out",
        }
    }
}

/// The type and range of a parameter value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// A number in a range (integer literals are accepted as numbers).
    Number(Range),
    /// A width: an integer of at least 1.
    Width,
    /// `true` or `false`.
    Bool,
    /// One of a few names.
    Choice(&'static [&'static str]),
    /// A size in two dimensions: `3` (square) or `(3, 5)` (height, width), each at least 1.
    Size,
}

/// The valid range of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    /// `x > 0`.
    Positive,
    /// `x >= 0`.
    NonNegative,
    /// `0 <= x < 1`.
    UnitHalfOpen,
    /// `0 < x < 1`.
    UnitOpen,
}

impl Range {
    /// Whether `value` is in the range (never for NaN or infinities).
    pub(crate) fn contains(self, value: f64) -> bool {
        value.is_finite()
            && match self {
                Self::Positive => value > 0.0,
                Self::NonNegative => value >= 0.0,
                Self::UnitHalfOpen => (0.0..1.0).contains(&value),
                Self::UnitOpen => value > 0.0 && value < 1.0,
            }
    }

    /// The range as written in messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Positive => "> 0",
            Self::NonNegative => ">= 0",
            Self::UnitHalfOpen => "in [0, 1)",
            Self::UnitOpen => "in (0, 1)",
        }
    }
}

/// One parameter of a layer, activation or initializer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    /// Whether the parameter may be written without its name, in order (`dropout(0.5)`);
    /// every parameter may be written with it (`dropout(rate = 0.5)`).
    pub positional: bool,
    /// Whether the parameter must be written.
    pub required: bool,
    /// Why the range is what it is, a clause for range errors ("the rate is the probability ...").
    pub meaning: &'static str,
    /// An example value, for "needs a ..." messages.
    pub example: &'static str,
}

const fn positional(
    name: &'static str,
    kind: ParamKind,
    meaning: &'static str,
    example: &'static str,
) -> Param {
    Param {
        name,
        kind,
        positional: true,
        required: false,
        meaning,
        example,
    }
}

const fn keyword(
    name: &'static str,
    kind: ParamKind,
    meaning: &'static str,
    example: &'static str,
) -> Param {
    Param {
        name,
        kind,
        positional: false,
        required: false,
        meaning,
        example,
    }
}

const fn required(param: Param) -> Param {
    Param {
        required: true,
        ..param
    }
}

const RATE: Param = required(positional(
    "rate",
    ParamKind::Number(Range::UnitHalfOpen),
    "the rate is the probability of dropping each unit, and 1 would drop them all",
    "0.5",
));

/// The parameters of `dropout`.
pub(crate) const DROPOUT_PARAMS: &[Param] = &[RATE];
/// The parameters of `alpha_dropout`.
pub(crate) const ALPHA_DROPOUT_PARAMS: &[Param] = &[RATE];
/// The parameters of `batchnorm` (keyword only).
pub(crate) const BATCHNORM_PARAMS: &[Param] = &[
    keyword(
        "momentum",
        ParamKind::Number(Range::UnitOpen),
        "momentum is the weight of the old running statistics in each update",
        "0.99",
    ),
    keyword(
        "epsilon",
        ParamKind::Number(Range::Positive),
        "epsilon is added to the variance so that dividing by its square root stays finite",
        "0.001",
    ),
];
/// The keyword options of `dense` (its positional arguments are handled apart).
pub(crate) const DENSE_PARAMS: &[Param] = &[
    keyword(
        "l1",
        ParamKind::Number(Range::NonNegative),
        "a negative penalty would reward large weights",
        "0.0001",
    ),
    keyword(
        "l2",
        ParamKind::Number(Range::NonNegative),
        "a negative penalty would reward large weights",
        "0.0001",
    ),
    keyword(
        "bias",
        ParamKind::Bool,
        "whether the layer adds a bias",
        "false",
    ),
    keyword(
        "input",
        ParamKind::Width,
        "the width of the rows this layer takes",
        "784",
    ),
];
/// The keyword options of `conv2d` (its positional arguments are handled apart).
pub(crate) const CONV2D_PARAMS: &[Param] = &[
    keyword(
        "stride",
        ParamKind::Size,
        "the step between two kernel positions",
        "2",
    ),
    keyword(
        "padding",
        ParamKind::Choice(&[VALID, SAME]),
        "`valid` keeps only whole windows, `same` pads so that the output is input / stride",
        "same",
    ),
    keyword(
        "bias",
        ParamKind::Bool,
        "whether the layer adds a bias",
        "false",
    ),
];
/// The parameters of `maxpool` and `avgpool`.
pub(crate) const POOL_PARAMS: &[Param] = &[
    required(positional(
        "window",
        ParamKind::Size,
        "the size of the pooled window",
        "2",
    )),
    keyword(
        "stride",
        ParamKind::Size,
        "the step between two windows (the window by default)",
        "2",
    ),
];
/// The parameters of `leaky_relu`.
pub(crate) const LEAKY_RELU_PARAMS: &[Param] = &[positional(
    "alpha",
    ParamKind::Number(Range::Positive),
    "alpha is the slope for negative inputs, and a slope of 0 is `relu`",
    "0.01",
)];
/// The parameters of `elu`.
pub(crate) const ELU_PARAMS: &[Param] = &[positional(
    "alpha",
    ParamKind::Number(Range::Positive),
    "the negative part saturates at -alpha, so alpha must be positive",
    "1.0",
)];
/// The parameters of `rrelu`.
pub(crate) const RRELU_PARAMS: &[Param] = &[
    positional(
        "lower",
        ParamKind::Number(Range::UnitHalfOpen),
        "the random negative slope is drawn from U(lower, upper)",
        "0.125",
    ),
    positional(
        "upper",
        ParamKind::Number(Range::UnitHalfOpen),
        "the random negative slope is drawn from U(lower, upper)",
        "0.333",
    ),
];
/// The parameters of `gelu`.
pub(crate) const GELU_PARAMS: &[Param] = &[positional(
    "approximate",
    ParamKind::Choice(&[APPROXIMATE_TANH, APPROXIMATE_NONE]),
    "`tanh` for the tanh approximation, `none` for the exact erf form",
    "tanh",
)];
/// The parameters of `random_normal`.
pub(crate) const RANDOM_NORMAL_PARAMS: &[Param] = &[required(positional(
    "stddev",
    ParamKind::Number(Range::Positive),
    "the weights are drawn from N(0, stddev^2)",
    "0.05",
))];
/// The parameters of `random_uniform`.
pub(crate) const RANDOM_UNIFORM_PARAMS: &[Param] = &[required(positional(
    "limit",
    ParamKind::Number(Range::Positive),
    "the weights are drawn from U(-limit, limit)",
    "0.05",
))];

/// The parameters of an activation (none for most).
pub(crate) fn activation_params(name: &str) -> &'static [Param] {
    match name {
        LEAKY_RELU => LEAKY_RELU_PARAMS,
        ELU => ELU_PARAMS,
        RRELU => RRELU_PARAMS,
        GELU => GELU_PARAMS,
        _ => &[],
    }
}

/// The parameters of an initializer (none for most).
pub(crate) fn initializer_params(name: &str) -> &'static [Param] {
    match name {
        RANDOM_NORMAL => RANDOM_NORMAL_PARAMS,
        RANDOM_UNIFORM => RANDOM_UNIFORM_PARAMS,
        _ => &[],
    }
}

/// Default slope of `leaky_relu` (PyTorch's, as `nn_runtime::LeakyRelu::DEFAULT_ALPHA`).
pub(crate) const LEAKY_RELU_DEFAULT_ALPHA: f64 = 0.01;
/// Default `alpha` of `elu`.
pub(crate) const ELU_DEFAULT_ALPHA: f64 = 1.0;
/// Default bounds of `rrelu` (PyTorch's, as `nn_runtime::RRelu::DEFAULT_LOWER`/`UPPER`).
pub(crate) const RRELU_DEFAULT_LOWER: f64 = 1.0 / 8.0;
pub(crate) const RRELU_DEFAULT_UPPER: f64 = 1.0 / 3.0;
/// Default batch norm momentum and epsilon (Keras', as `nn_runtime::BatchNorm`).
pub(crate) const BATCHNORM_DEFAULT_MOMENTUM: f64 = 0.99;
pub(crate) const BATCHNORM_DEFAULT_EPSILON: f64 = 1e-3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_across_categories() {
        let mut all: Vec<&str> = Category::ALL
            .iter()
            .flat_map(|category| category.names().iter().copied())
            .collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }

    #[test]
    fn names_are_snake_case_identifiers() {
        for name in Category::ALL.iter().flat_map(|category| category.names()) {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit()),
                "{name}"
            );
            assert!(syn::parse_str::<syn::Ident>(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn ranges() {
        assert!(Range::UnitHalfOpen.contains(0.0));
        assert!(!Range::UnitHalfOpen.contains(1.0));
        assert!(!Range::UnitOpen.contains(0.0));
        assert!(Range::NonNegative.contains(0.0));
        assert!(!Range::Positive.contains(0.0));
        assert!(!Range::Positive.contains(f64::INFINITY));
        assert!(!Range::NonNegative.contains(f64::NAN));
    }

    #[test]
    fn defaults_match_the_ranges() {
        assert!(Range::Positive.contains(LEAKY_RELU_DEFAULT_ALPHA));
        assert!(Range::Positive.contains(ELU_DEFAULT_ALPHA));
        const { assert!(RRELU_DEFAULT_LOWER <= RRELU_DEFAULT_UPPER) };
        assert!(Range::UnitOpen.contains(BATCHNORM_DEFAULT_MOMENTUM));
        assert!(Range::Positive.contains(BATCHNORM_DEFAULT_EPSILON));
    }
}
