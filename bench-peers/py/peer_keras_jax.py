"""Keras 3 on JAX, CPU: a jitted stateless train step (model.stateless_call, jax.value_and_grad,
optimizer.stateless_apply) and jitted inference; or with --fit, training through model.fit only.
The thread count comes from XLA_FLAGS, set by driver.py."""

import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import common  # noqa: E402

FIT = "--fit" in sys.argv
if FIT:
    sys.argv.remove("--fit")
# model.fit runs this many steps per call, so its per-epoch overhead is spread thinly.
FIT_STEPS = 100


def model_of(layers):
    """Dense/ReLU stack ending in logits, with the given [in, out] kernels and biases."""
    inputs = keras.Input((layers[0][0].shape[0],))
    h = inputs
    for i, (kernel, bias) in enumerate(layers):
        dense = keras.layers.Dense(kernel.shape[1], activation="relu" if i < 2 else None)
        h = dense(h)
        dense.set_weights([kernel, bias])
    return keras.Model(inputs, h)


def loss_fn():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def trainer(data):
    """A closure running one jitted SGD step on the next batch; returns that step's loss."""
    model = model_of(data.mlp)
    sgd = keras.optimizers.SGD(learning_rate=common.LEARNING_RATE)
    sgd.build(model.trainable_variables)
    loss_of = loss_fn()

    def loss(trainable, non_trainable, x, y):
        logits, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_of(y, logits), non_trainable

    gradient = jax.value_and_grad(loss, has_aux=True)

    @jax.jit
    def step(state, x, y):
        trainable, non_trainable, optimizer = state
        (value, non_trainable), grads = gradient(trainable, non_trainable, x, y)
        trainable, optimizer = sgd.stateless_apply(optimizer, grads, trainable)
        return value, (trainable, non_trainable, optimizer)

    state = [
        (
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            [v.value for v in sgd.variables],
        )
    ]
    batches = [tuple(map(jax.device_put, data.batch(s))) for s in range(common.BATCHES)]
    count = [0]

    def call():
        x, y = batches[count[0] % common.BATCHES]
        count[0] += 1
        value, state[0] = step(state[0], x, y)
        return value.block_until_ready()

    return call


def inference(layers, x, softmax=True):
    """One call of jitted inference on x."""
    model = model_of(layers)
    variables = (
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
    )

    @jax.jit
    def predict(variables, x):
        out, _ = model.stateless_call(*variables, x)
        return jax.nn.softmax(out, axis=1) if softmax else out

    x = jax.device_put(np.ascontiguousarray(x))
    return lambda: predict(variables, x).block_until_ready()


def fitted_model(data):
    model = model_of(data.mlp)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=common.LEARNING_RATE), loss=loss_fn()
    )
    return model


class BatchLosses(keras.callbacks.Callback):
    """fit reports the running mean of the epoch's losses; this recovers each batch's."""

    def __init__(self):
        super().__init__()
        self.means = []

    def on_train_batch_end(self, batch, logs=None):
        self.means.append(float(logs["loss"]))

    def losses(self):
        previous = [0.0] + self.means[:-1]
        return [(k + 1) * m - k * p for k, (m, p) in enumerate(zip(self.means, previous))]


def fit_losses(data):
    model, record = fitted_model(data), BatchLosses()
    x, y = data.x, data.labels
    model.fit(x, y, batch_size=common.TRAIN_BATCH, shuffle=False, verbose=0, callbacks=[record])
    return record.losses()[: common.CHECKED_STEPS]


def fitter(data):
    """A closure running model.fit for one epoch of FIT_STEPS steps."""
    model = fitted_model(data)
    repeats = FIT_STEPS // common.BATCHES
    x, y = np.tile(data.x, (repeats, 1)), np.tile(data.labels, repeats)
    return lambda: model.fit(x, y, batch_size=common.TRAIN_BATCH, shuffle=False, verbose=0)


def train_losses(data):
    step = trainer(data)
    return [float(step()) for _ in range(common.CHECKED_STEPS)]


versions = {"keras": keras.__version__, "jax": jax.__version__}
if FIT:
    common.run(versions, train_losses=fit_losses, workloads=[("A", fitter, FIT_STEPS)])
else:
    common.run(
        versions,
        train_losses=train_losses,
        infer_probabilities=lambda d: np.asarray(inference(d.mlp, d.batch(0)[0])()),
        tiny_output=lambda d: np.asarray(inference(d.tiny, d.tiny_x, softmax=False)()),
        workloads=[
            ("A", trainer),
            ("B", lambda d: inference(d.mlp, d.infer_batch())),
            ("C", lambda d: inference(d.mlp, d.x[:1])),
            ("D", lambda d: inference(d.tiny, d.tiny_x, softmax=False)),
        ],
    )
