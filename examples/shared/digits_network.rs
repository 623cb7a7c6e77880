// The digits classifier shared by the `quickstart` and `embed` examples (and the embed test):
// one definition, so the embedded weights always fit the network that loads them.

nn::network! {
    /// Classifies 8x8 handwritten digits (64 pixels, each scaled from 0..=16 to [0, 1]) into 10 classes.
    pub Digits(64) < dense(128, he_normal), batchnorm, relu, dropout(0.1), dense(64, relu), dense(10, softmax) >
}

/// Pixel intensities of the digits run from 0 to 16; the network takes them in [0, 1].
pub const PIXEL_SCALE: f32 = 16.0;
