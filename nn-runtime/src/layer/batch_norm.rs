/// PLACEHOLDER: replaced by the real layer.
pub struct BatchNorm;
