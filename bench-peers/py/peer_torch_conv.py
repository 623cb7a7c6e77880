"""PyTorch on the CPU, the convolutional suite (G, H, I; common_conv.py): eager mode, NCHW,
inference under no_grad. Two threads."""

import numpy as np
import torch
import torch.nn.functional as F

import common
import common_conv

torch.set_num_threads(2)


def _set(module, weight, bias):
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
        module.bias.copy_(torch.from_numpy(bias))
    return module


def cnn(data, softmax):
    """The CNN on the given weights; its dense kernel is [in, out] (PyTorch stores [out, in])."""
    (k0, b0), (k1, b1), (w2, b2) = data.conv0, data.conv1, data.dense
    modules = [
        _set(torch.nn.Conv2d(1, 6, 5), k0, b0),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        _set(torch.nn.Conv2d(6, 16, 5), k1, b1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        _set(torch.nn.Linear(256, 10), w2.T, b2),
    ]
    if softmax:
        modules.append(torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*modules)


def inference(model, x):
    model.eval()
    x = torch.from_numpy(np.ascontiguousarray(x))

    def call():
        with torch.no_grad():
            return model(x)

    return call


def wide(data):
    kernel, bias = data.wide
    return _set(torch.nn.Conv2d(kernel.shape[1], kernel.shape[0], 3, padding=1), kernel, bias)


def trainer(data):
    """A closure running one SGD step on the next batch; returns that step's loss."""
    model = cnn(data, softmax=False)
    sgd = torch.optim.SGD(model.parameters(), lr=common.LEARNING_RATE)
    batches = [tuple(map(torch.from_numpy, data.batch(s))) for s in range(10)]
    step = [0]

    def call():
        x, y = batches[step[0] % len(batches)]
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


common_conv.run(
    {"torch": torch.__version__},
    train_losses=train_losses,
    infer_probabilities=lambda d: inference(cnn(d, True), d.batch(0)[0])().numpy(),
    wide_output=lambda d: inference(wide(d), d.wide_x)().numpy(),
    workloads=[
        ("G", lambda d: inference(cnn(d, True), d.infer_batch())),
        ("H", trainer),
        ("I", lambda d: inference(wide(d), d.wide_x)),
    ],
)
