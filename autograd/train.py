"""A training loop to call in one line, and accuracy.

``fit`` does what every training loop does, epoch after epoch: for each batch,
zero the gradients, compute the mean loss, backpropagate, step the optimizer.

>>> from autograd.datasets import xor
>>> from autograd.nn import MLP, binary_cross_entropy
>>> from autograd.optim import Adam
>>> X, y = xor()
>>> model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> history = fit(model, X, y, loss=binary_cross_entropy,
...               optimizer=Adam(model.parameters(), lr=0.1), epochs=100, progress=False)
>>> history[-1] < 0.05 < history[0], accuracy(model, X, y)
(True, 1.0)
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence

from autograd.engine import Value, no_grad
from autograd.i18n import N_, TranslatableValueError, ptr, resolve_language, tr, use_language
from autograd.losses import mse
from autograd.optim import Optimizer

__all__ = ["accuracy", "fit"]


def fit(
    model: Callable,
    X: Sequence,
    y: Sequence,
    *,
    optimizer: Optimizer,
    loss: Callable[..., Value] = mse,
    epochs: int = 100,
    batch_size: int | None = None,
    seed: int | None = None,
    print_every: int | None = None,
    progress: bool = True,
    lang: str | None = None,
) -> list[float]:
    """Train ``model`` on examples ``X`` with targets ``y``; return the mean loss
    of each epoch (measured during the epoch, before each batch's step).

    ``loss(prediction, target)`` scores one example. ``batch_size=None`` uses
    all examples for each step (full-batch gradient descent); otherwise the
    examples are shuffled each epoch (with ``seed``) and cut into batches.
    ``print_every=100`` prints the loss every 100 epochs; otherwise a progress
    bar (tqdm when installed) appears when ``progress`` is true and the output
    is a terminal. ``lang`` is the language of what it prints and of its errors
    (``"zh"``: 中文; by default the context's, see ``autograd.i18n``).

    >>> from autograd.nn import MLP
    >>> from autograd.optim import SGD
    >>> model = MLP(1, [1], seed=0)  # y = w·x + b
    >>> history = fit(model, [[0.0], [1.0]], [1.0, 3.0], optimizer=SGD(model.parameters(), lr=0.1),
    ...               epochs=300, print_every=100, progress=False)
    epoch   100  loss 0.000030
    epoch   200  loss 0.000000
    epoch   300  loss 0.000000
    >>> [round(p.data, 3) for p in model.parameters()]  # w = 2, b = 1
    [2.0, 1.0]
    """
    # What it prints, and the errors raised inside (by the loss too), speak ``lang``.
    with use_language(resolve_language(lang)):
        if len(X) != len(y):
            raise TranslatableValueError(
                N_("fit: X has {examples} examples but y has {targets} targets"),
                examples=len(X),
                targets=len(y),
            )
        if not X:
            raise TranslatableValueError(N_("fit: no examples to train on (X is empty)"))
        if batch_size is None:
            batch_size = len(X)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise TranslatableValueError(
                N_("fit: batch_size must be a positive whole number or None, got {value!r}"),
                value=batch_size,
            )
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise TranslatableValueError(
                N_("fit: epochs must be a whole number ≥ 0, got {value!r}"), value=epochs
            )
        rng = random.Random(seed)
        order = list(range(len(X)))
        history = []
        # Printed lines are progress enough; a bar redrawn between them would garble both.
        bar = _progress_bar(epochs) if progress and not print_every else None
        try:
            for epoch in range(1, epochs + 1):
                if batch_size < len(X):
                    rng.shuffle(order)
                epoch_total = 0.0
                for start in range(0, len(order), batch_size):
                    batch = order[start : start + batch_size]
                    optimizer.zero_grad()
                    batch_loss = sum(loss(model(X[i]), y[i]) for i in batch) / len(batch)
                    batch_loss.backward()
                    optimizer.step()
                    epoch_total += batch_loss.data * len(batch)
                history.append(epoch_total / len(X))
                if bar is not None:
                    bar.update(epoch, history[-1])
                if print_every and epoch % print_every == 0:
                    print(
                        tr(None, "epoch {epoch:>5}  loss {loss:.6f}", epoch=epoch, loss=history[-1])
                    )
        finally:
            if bar is not None:
                bar.close()
        return history


def accuracy(model: Callable, X: Sequence, y: Sequence, threshold: float = 0.5) -> float:
    """The fraction of examples the model gets right.

    With several outputs the prediction is the index of the largest (labels
    0, 1, 2, ...). With one output, the prediction is positive when the output
    is above ``threshold``: 0.5 for a probability (a sigmoid output), 0 for a
    raw score (hinge loss, logits). Labels > 0 count as positive, so 0/1 and
    -1/+1 labels both work.

    >>> from autograd.nn import Layer
    >>> sign = Layer.from_weights([[1.0]], [0.0], activation=None)  # output = x
    >>> accuracy(sign, [[2.0], [-1.0], [0.3]], [1, -1, -1], threshold=0.0)
    0.6666666666666666
    """
    if len(X) != len(y) or not X:
        raise TranslatableValueError(
            N_("accuracy: need as many labels as examples, got {examples} and {labels}"),
            examples=len(X),
            labels=len(y),
        )
    correct = 0
    with no_grad():
        for x, label in zip(X, y, strict=True):
            output = model(x)
            if isinstance(output, list):
                predicted = max(range(len(output)), key=lambda i: output[i].data)
                correct += predicted == label
            else:
                correct += (output.data > threshold) == (label > 0)
    return correct / len(X)


def _progress_bar(epochs: int):
    """A tqdm bar, or a line rewritten in place without tqdm; None when the
    output is neither a terminal nor a notebook (a log file, a test run)."""
    in_notebook = "ipykernel" in sys.modules
    if not (sys.stderr.isatty() or in_notebook):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return _ProgressLine(epochs)
    bar = tqdm(
        total=epochs, desc=tr(None, "training"), unit=ptr(None, "progress bar unit", "epoch")
    )
    return _TqdmBar(bar)


class _TqdmBar:
    def __init__(self, bar):
        self.bar = bar

    def update(self, epoch: int, loss: float) -> None:
        self.bar.set_postfix_str(tr(None, "loss={loss:.4g}", loss=loss), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


class _ProgressLine:
    def __init__(self, epochs: int):
        self.epochs = epochs

    def update(self, epoch: int, loss: float) -> None:
        line = tr(
            None,
            "epoch {epoch}/{epochs}  loss {loss:.4g}",
            epoch=epoch,
            epochs=self.epochs,
            loss=loss,
        )
        print("\r" + line, end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print(file=sys.stderr)
