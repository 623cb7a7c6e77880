"""PyTorch on the CPU: eager mode (training; inference under no_grad), or with --jit, inference
through torch.jit.trace + torch.jit.freeze. Two threads."""

import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

import common

torch.set_num_threads(2)
# torch.jit is deprecated in favour of torch.compile, which the brief does not ask for.
warnings.filterwarnings("ignore", category=FutureWarning, module="torch.jit")
JIT = "--jit" in sys.argv
if JIT:
    sys.argv.remove("--jit")


def sequential(layers, softmax):
    """Linear/ReLU stack with the given [in, out] kernels and biases (PyTorch stores [out, in])."""
    modules = []
    for i, (kernel, bias) in enumerate(layers):
        linear = torch.nn.Linear(*kernel.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
            linear.bias.copy_(torch.from_numpy(bias))
        modules.append(linear)
        if i < len(layers) - 1:
            modules.append(torch.nn.ReLU())
    if softmax:
        modules.append(torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*modules)


def inference(layers, x, softmax=True):
    """One call of inference on x: eager under no_grad, or the traced and frozen module."""
    model = sequential(layers, softmax).eval()
    x = torch.from_numpy(np.ascontiguousarray(x))
    if JIT:
        with torch.no_grad():
            model = torch.jit.freeze(torch.jit.trace(model, x))

    def call():
        with torch.no_grad():
            return model(x)

    return call


def trainer(data):
    """A closure running one SGD step on the next batch; returns that step's loss."""
    model = sequential(data.mlp, softmax=False)
    sgd = torch.optim.SGD(model.parameters(), lr=common.LEARNING_RATE)
    batches = [tuple(map(torch.from_numpy, data.batch(s))) for s in range(common.BATCHES)]
    step = [0]

    def call():
        x, y = batches[step[0] % common.BATCHES]
        step[0] += 1
        loss = F.cross_entropy(model(x), y)
        sgd.zero_grad(set_to_none=True)
        loss.backward()
        sgd.step()
        return loss

    return call


def train_losses(data):
    step = trainer(data)
    return [step().item() for _ in range(common.CHECKED_STEPS)]


workloads = [
    ("B", lambda d: inference(d.mlp, d.infer_batch())),
    ("C", lambda d: inference(d.mlp, d.x[:1])),
    ("D", lambda d: inference(d.tiny, d.tiny_x, softmax=False)),
]
common.run(
    {"torch": torch.__version__},
    train_losses=None if JIT else train_losses,
    infer_probabilities=lambda d: inference(d.mlp, d.batch(0)[0])().numpy(),
    tiny_output=lambda d: inference(d.tiny, d.tiny_x, softmax=False)().numpy(),
    workloads=workloads if JIT else [("A", trainer)] + workloads,
)
