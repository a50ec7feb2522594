"""Neurons, layers and multi-layer perceptrons built from `Value`s.

A neuron computes ``activation(w1·x1 + ... + wn·xn + b)``; a layer is a list of
neurons that all see the same inputs; an MLP is a list of layers, each feeding
the next. The interface follows micrograd's, so its demo runs unchanged:

>>> model = MLP(2, [16, 16, 1], seed=0)
>>> model
MLP(2, [16, 16, 1], activation='relu')
>>> len(model.parameters())  # (2+1)·16 + (16+1)·16 + (16+1)·1
337
>>> score = model([0.5, -1.0])  # one output: a single Value
>>> score.backward()

Weights start as micrograd's do: uniform in (-1, 1), drawn from Python's
module-level ``random`` in micrograd's order, with the bias at 0. So
``random.seed(1337)`` governs them (as ``torch.manual_seed`` governs PyTorch)
and micrograd's demo prints micrograd's numbers. ``seed=`` or ``rng=`` draws
from a generator of the model's own instead. ``init="scaled"`` starts weights
and bias uniform in (-1/√nin, 1/√nin), nin being the neuron's number of
inputs: the default of PyTorch's ``nn.Linear``, which keeps every
pre-activation of a similar size however many inputs a neuron has (notebook 07
uses it for its 64 pixels).

The losses live in ``autograd.losses`` and are re-exported here, so
``from autograd.nn import MLP, mse`` works.
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import random
import reprlib
import secrets
from collections.abc import Callable, Sequence

from autograd.engine import Value, linear
from autograd.i18n import N_, Nn_, Phrase, TranslatableValueError, json_reason
from autograd.losses import (
    _is_list_like,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mse,
    softmax,
)

__all__ = [
    "MLP",
    "Layer",
    "Module",
    "Neuron",
    "StateDictError",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "mse",
    "softmax",
]


def _identity(z: Value) -> Value:
    return z


# The ways a neuron's parameters can start, by name: each takes a random
# generator and the number of inputs, and returns (weights, bias), drawing the
# weights first, then the bias (if it is random), as micrograd and PyTorch do.
def _micrograd_init(rng, nin: int) -> tuple[list[float], float]:
    # micrograd: weights uniform in (-1, 1), bias 0.
    return [rng.uniform(-1, 1) for _ in range(nin)], 0.0


def _scaled_init(rng, nin: int) -> tuple[list[float], float]:
    # PyTorch's nn.Linear (kaiming_uniform with a = √5): weights and bias
    # uniform in (-1/√nin, 1/√nin).
    limit = 1.0 / math.sqrt(nin)
    weights = [rng.uniform(-limit, limit) for _ in range(nin)]
    return weights, rng.uniform(-limit, limit)


INITS: dict[str, Callable[..., tuple[list[float], float]]] = {
    "micrograd": _micrograd_init,
    "scaled": _scaled_init,
}


# The activation functions, by name. None (or "linear") leaves the sum as it is:
# what the last layer of a regression model or a classifier's logits need.
ACTIVATIONS: dict[str | None, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": _identity,
    None: _identity,
}


class StateDictError(TranslatableValueError):
    """A state dict or a saved file does not fit the model (or is not a saved
    model at all). The model is left unchanged."""


class Module:
    """What every model part has: its parameters, and a way to save them.

    Subclasses provide ``parameters()``, ``state_dict()`` and
    ``_pair_with_state(state, where)``, which checks a state against the
    model's shape and pairs each parameter with its new number.

    >>> neuron = Neuron(2, seed=0)
    >>> neuron.zero_grad()
    >>> [p.grad for p in neuron.parameters()]
    [0.0, 0.0, 0.0]
    """

    def parameters(self) -> list[Value]:
        """Every weight and bias, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self):
        """The parameters' numbers as JSON-ready nested lists and dicts."""
        raise NotImplementedError

    def _pair_with_state(self, state, where: str) -> list[tuple[Value, float]]:
        raise NotImplementedError

    def load_state_dict(self, state) -> None:
        """Set the parameters from ``state`` (as made by ``state_dict()``).

        Everything is checked first: on a wrong shape or a non-number this
        raises StateDictError and no parameter has changed.

        >>> neuron = Neuron(2, seed=0)
        >>> neuron.load_state_dict({"weights": [0.5, -0.5], "bias": 0.25})
        >>> neuron.state_dict()
        {'weights': [0.5, -0.5], 'bias': 0.25}
        """
        pairs = self._pair_with_state(state, "state")
        for parameter, number in pairs:
            parameter.data = number

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters to a JSON file, atomically: a crash midway
        leaves the old file as it was, never half a file, and no stray file.

        Floats are written in their shortest exact form, so ``load`` gives back
        bit-identical parameters. The file gets the usual permissions (0666
        less the umask), as ``open(path, "w")`` would give it.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
        >>> MLP(2, [3, 1], seed=0).save(path)
        >>> copy = MLP(2, [3, 1], seed=1).load(path)
        >>> copy.state_dict() == MLP(2, [3, 1], seed=0).state_dict()
        True
        """
        for i, p in enumerate(self.parameters()):
            if not math.isfinite(p.data):
                raise StateDictError(
                    N_(
                        "cannot save {model}: parameter {index} ({label}) is {value}, and a "
                        "saved model holds finite numbers only (did training diverge?)"
                    ),
                    model=repr(self),
                    index=i,
                    label=p.label,
                    value=p.data,
                )
        document = {"format": FORMAT, "module": repr(self), "state": self.state_dict()}
        _write_atomically(path, json.dumps(document, indent=1).encode())

    def load(self, path: str | os.PathLike):
        """Set the parameters from a file written by ``save``; return the model.

        A file that is not valid JSON, not a saved model, holds numbers a float
        cannot (NaN, Infinity, 1e400), or was saved from a model of another
        shape raises StateDictError, and the model is unchanged.
        """
        try:
            with open(path, "rb") as file:
                document = json.loads(
                    file.read().decode("utf-8"),
                    parse_int=_finite_float,
                    parse_float=_finite_float,
                    parse_constant=_no_constant,
                )
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise StateDictError(  # what is wrong, and where
                N_("{path} is not a saved model: not valid JSON ({error})"),
                path=str(path),
                error=json_reason(error),
            ) from None
        except RecursionError:
            raise StateDictError(
                N_("{path} is not a saved model: its lists or objects are nested too deeply"),
                path=str(path),
            ) from None
        except StateDictError as error:
            raise StateDictError(
                N_("{path} is not a saved model: {error}"), path=str(path), error=error
            ) from None
        if not isinstance(document, dict) or "state" not in document:
            raise StateDictError(
                N_(
                    "{path} is not a saved model: expected a JSON object with a 'state' entry, "
                    "as written by Module.save()"
                ),
                path=str(path),
            )
        if document.get("format") != FORMAT:
            raise StateDictError(
                N_("{path} is not a saved model: its 'format' is {format}, expected {expected!r}"),
                path=str(path),
                format=reprlib.repr(document.get("format")),
                expected=FORMAT,
            )
        try:
            self.load_state_dict(document["state"])
        except StateDictError as error:
            saved_from = document.get("module")
            if saved_from == repr(self):  # the right shape: a wrong number inside
                raise StateDictError(N_("{path}: {error}"), path=str(path), error=error) from None
            if not isinstance(saved_from, str) or len(saved_from) > 200:
                saved_from = Phrase(N_("an unknown model"))
            raise StateDictError(
                N_("{path} was saved from {saved_from} and does not fit {model}: {error}"),
                path=str(path),
                saved_from=saved_from,
                model=repr(self),
                error=error,
            ) from None
        return self


# What a saved model's "format" entry says.
FORMAT = "scalar-autograd"


def _finite_float(text: str) -> float:
    """A number in a saved model: a float, refused if it is beyond the largest
    one (JSON numbers like 1e400, or an integer of 5,000 digits)."""
    number = float(text)
    if not math.isfinite(number):
        shown = text
        if len(text) > 30:
            shown = Phrase(
                N_("{start}...{end} ({length} characters)"),
                start=text[:12],
                end=text[-6:],
                length=len(text),
            )
        raise StateDictError(N_("the number {number} is beyond the largest float"), number=shown)
    return number


def _no_constant(name: str):
    raise StateDictError(
        N_("it holds {name}, and a model's parameters are finite numbers"), name=name
    )


def _write_atomically(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it over
    ``path`` in one step, so a reader sees the old file or the new one.

    On Linux the temporary file has no name until it is complete (O_TMPFILE),
    so even a process killed while writing leaves nothing behind; elsewhere a
    hidden named one is removed on any error.
    """
    # os.replace is atomic only within one file system: write in the same folder.
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    fd = _open_unnamed(folder)
    unnamed = fd is not None
    if not unnamed:  # mode 0o666: the umask takes its bits away, as for any new file
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
            if unnamed:  # give the complete file its temporary name
                _link_unnamed(file.fileno(), temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def _open_unnamed(folder: str) -> int | None:
    """A new file in ``folder`` with no name (Linux's O_TMPFILE), open for
    writing; None where the system or the file system has no such files."""
    if not hasattr(os, "O_TMPFILE") or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666)
    except OSError:
        return None


def _link_unnamed(fd: int, path: str) -> None:
    """Give the unnamed file open as ``fd`` the name ``path``.

    linkat() with AT_SYMLINK_FOLLOW from /proc/self/fd/<fd>, as open(2)
    describes; os.link takes that path only when given the folder as a file
    descriptor (else it calls link(), which does not follow the link).
    """
    proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(str(fd), path, src_dir_fd=proc)
    finally:
        os.close(proc)


class Neuron(Module):
    """``activation(w1·x1 + ... + wn·xn + b)``.

    ``fused=True`` (the default) computes the sum as one ``linear`` node, which
    is fast; ``fused=False`` builds it from ``*`` and ``+``, one node per step,
    to draw a single neuron in class. Both give the same numbers and gradients.

    >>> neuron = Neuron(2, activation="tanh", seed=0)
    >>> neuron.load_state_dict({"weights": [1.0, -2.0], "bias": 0.5})
    >>> neuron([3.0, 1.0])  # tanh(1·3 - 2·1 + 0.5)
    Value(data=0.9051482536448664, grad=0.0)
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        *,
        init: str = "micrograd",
        fused: bool = True,
        rng: random.Random | None = None,
        seed: int | None = None,
    ):
        self.nin = _positive_int(nin, N_("Neuron: nin (the number of inputs)"))
        self.activation = _check_activation(activation)
        self.fused = fused
        weights, bias = INITS[_check_init(init)](_make_rng(rng, seed, "Neuron"), self.nin)
        self.w = [Value(w, label=f"w{i + 1}") for i, w in enumerate(weights)]
        self.b = Value(bias, label="b")

    def __call__(self, x) -> Value:
        return self._forward(_inputs(x, self.nin, self))

    def _forward(self, xs: Sequence) -> Value:
        if self.fused:
            z = linear(self.w, xs, self.b)
        else:
            # Left to right, as linear() adds: the same floats, bit for bit.
            z = self.b
            for w, x in zip(self.w, xs, strict=True):
                z = z + w * x
        return ACTIVATIONS[self.activation](z)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def state_dict(self) -> dict:
        """``{"weights": [w1, ..., wn], "bias": b}``, as plain floats."""
        return {"weights": [w.data for w in self.w], "bias": self.b.data}

    def _pair_with_state(self, state, where: str) -> list[tuple[Value, float]]:
        _check_keys(state, ("weights", "bias"), where)
        weights = _numbers(state["weights"], self.nin, f"{where}['weights']", "weights")
        bias = _number(state["bias"], f"{where}['bias']")
        return [*zip(self.w, weights, strict=True), (self.b, bias)]

    def __repr__(self) -> str:
        return f"Neuron({self.nin}{_options(self.activation, 'relu', self.fused)})"


class Layer(Module):
    """``nout`` neurons that all see the same ``nin`` inputs.

    Returns a list of ``nout`` Values, or a single Value when ``nout`` is 1.
    Weights can be given explicitly with ``Layer.from_weights``.

    >>> layer = Layer.from_weights([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -2.0])
    >>> [v.data for v in layer([3.0, -4.0])]  # relu of (3, -4, -3)
    [3.0, 0.0, 0.0]
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        *,
        init: str = "micrograd",
        fused: bool = True,
        rng: random.Random | None = None,
        seed: int | None = None,
    ):
        self.nin = _positive_int(nin, N_("Layer: nin (the number of inputs)"))
        self.nout = _positive_int(nout, N_("Layer: nout (the number of neurons)"))
        self.activation = _check_activation(activation)
        self.fused = fused
        rng = _make_rng(rng, seed, "Layer")
        self.neurons = [
            Neuron(nin, activation, init=init, fused=fused, rng=rng) for _ in range(nout)
        ]

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Sequence[float]],
        biases: Sequence[float],
        activation: str | None = "relu",
        *,
        fused: bool = True,
    ) -> Layer:
        """A layer with the given numbers: one row of weights per neuron (as in
        PyTorch's ``Linear.weight``), one bias per neuron.

        >>> hidden = Layer.from_weights([[0.15, 0.20], [0.25, 0.30]], [0.35, 0.35], "sigmoid")
        >>> hidden
        Layer(2, 2, activation='sigmoid')
        """
        if not _is_list_like(weights) or not weights or not _is_list_like(weights[0]):
            raise StateDictError(
                N_(
                    "Layer.from_weights: weights must be a list of rows, one per neuron, "
                    "got {weights!r}"
                ),
                weights=weights,
            )
        layer = cls(len(weights[0]), len(weights), activation, fused=fused, seed=0)
        state = {"weights": weights, "biases": biases}
        for parameter, number in layer._pair_with_state(state, "Layer.from_weights"):
            parameter.data = number
        return layer

    def __call__(self, x) -> Value | list[Value]:
        xs = _inputs(x, self.nin, self)
        outputs = [neuron._forward(xs) for neuron in self.neurons]
        return outputs[0] if self.nout == 1 else outputs

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def state_dict(self) -> dict:
        """``{"weights": rows, "biases": [b1, ...]}``: one row of weights per neuron.

        >>> Layer.from_weights([[1.0, 2.0], [3.0, 4.0]], [5.0, 6.0]).state_dict()
        {'weights': [[1.0, 2.0], [3.0, 4.0]], 'biases': [5.0, 6.0]}
        """
        return {
            "weights": [[w.data for w in neuron.w] for neuron in self.neurons],
            "biases": [neuron.b.data for neuron in self.neurons],
        }

    def _pair_with_state(self, state, where: str) -> list[tuple[Value, float]]:
        _check_keys(state, ("weights", "biases"), where)
        rows = state["weights"]
        if not _is_list_like(rows) or len(rows) != self.nout:
            raise StateDictError(
                N_(
                    "{where}['weights'] should be {rows} rows (one per neuron) of {count} "
                    "weights for {layer}, got {got}"
                ),
                where=where,
                rows=self.nout,
                count=self.nin,
                layer=repr(self),
                got=_describe(rows),
            )
        biases = _numbers(state["biases"], self.nout, f"{where}['biases']", _BIASES)
        pairs = []
        for i, (neuron, row, bias) in enumerate(zip(self.neurons, rows, biases, strict=True)):
            weights = _numbers(row, self.nin, f"{where}['weights'][{i}]", _WEIGHTS)
            pairs += [*zip(neuron.w, weights, strict=True), (neuron.b, bias)]
        return pairs

    def __repr__(self) -> str:
        options = _options(self.activation, "relu", self.fused)
        return f"Layer({self.nin}, {self.nout}{options})"


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of
    ``sizes``. Hidden layers use ``activation``; the last layer uses
    ``output_activation`` (None: no activation, the raw scores).

    Returns a single Value when the last layer has one neuron, else a list.
    Without ``seed`` or ``rng`` the weights come from Python's ``random``, as
    micrograd's do: ``random.seed(1337)`` then ``MLP(2, [16, 16, 1])`` gives
    micrograd's network. ``seed=0`` gives the same weights on every machine,
    whatever else draws random numbers. ``init="scaled"``: PyTorch's start
    (see the module's description).

    >>> model = MLP(2, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
    >>> model
    MLP(2, [3, 2], activation='sigmoid', output_activation='sigmoid')
    >>> len(model([0.05, 0.10]))
    2
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str | None = "relu",
        output_activation: str | None = None,
        seed: int | None = None,
        *,
        init: str = "micrograd",
        fused: bool = True,
        rng: random.Random | None = None,
    ):
        self.nin = _positive_int(nin, N_("MLP: nin (the number of inputs)"))
        if not _is_list_like(sizes) or not sizes:
            raise TranslatableValueError(
                N_(
                    "MLP: sizes must be a non-empty list of layer widths, e.g. [16, 16, 1], "
                    "got {sizes!r}"
                ),
                sizes=sizes,
            )
        self.sizes = [
            _positive_int(n, N_("MLP: sizes[{index}] (a layer width)"), index=i)
            for i, n in enumerate(sizes)
        ]
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation)
        self.fused = fused
        rng = _make_rng(rng, seed, "MLP")
        widths = [self.nin, *self.sizes]
        last = len(self.sizes) - 1
        self.layers = [
            Layer(
                widths[i],
                widths[i + 1],
                output_activation if i == last else activation,
                init=init,
                fused=fused,
                rng=rng,
            )
            for i in range(len(self.sizes))
        ]

    def __call__(self, x) -> Value | list[Value]:
        x = _inputs(x, self.nin, self)
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def state_dict(self) -> list[dict]:
        """One ``{"weights": rows, "biases": list}`` per layer (see Layer).

        >>> MLP(1, [1], seed=0).state_dict()
        [{'weights': [[0.6888437030500962]], 'biases': [0.0]}]
        """
        return [layer.state_dict() for layer in self.layers]

    def _pair_with_state(self, state, where: str) -> list[tuple[Value, float]]:
        if not _is_list_like(state) or len(state) != len(self.layers):
            raise StateDictError(
                N_("{where} should be a list of {count} layers for {model}, got {got}"),
                where=where,
                count=len(self.layers),
                model=repr(self),
                got=_describe(state),
            )
        return [
            pair
            for i, (layer, layer_state) in enumerate(zip(self.layers, state, strict=True))
            for pair in layer._pair_with_state(layer_state, f"{where}[{i}]")
        ]

    def __repr__(self) -> str:
        text = f"MLP({self.nin}, {self.sizes}, activation={self.activation!r}"
        if self.output_activation is not None:
            text += f", output_activation={self.output_activation!r}"
        if not self.fused:
            text += ", fused=False"
        return text + ")"


def _make_rng(rng: random.Random | None, seed: int | None, who: str):
    """The generator to draw from: ``rng``, a new one seeded with ``seed``, or
    else the ``random`` module itself (its functions share one hidden
    generator), as micrograd does, so that ``random.seed`` governs it."""
    if rng is not None and seed is not None:
        raise TranslatableValueError(
            N_("{who}: give rng or seed, not both (got seed={seed!r})"), who=who, seed=seed
        )
    if rng is not None:
        return rng
    return random if seed is None else random.Random(seed)


def _check_init(name):
    if name not in INITS:
        known = ", ".join(repr(k) for k in INITS)
        raise TranslatableValueError(
            N_("unknown init {name!r}; choose one of {known}"), name=name, known=known
        )
    return name


def _check_activation(name):
    if name not in ACTIVATIONS:
        known = ", ".join(repr(k) for k in ACTIVATIONS)
        raise TranslatableValueError(
            N_("unknown activation {name!r}; choose one of {known}"), name=name, known=known
        )
    return name


def _positive_int(n, what: str, **params) -> int:
    """``n`` as a width, or an error that says what it was for (``what``, a phrase)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise TranslatableValueError(
            N_("{what} must be a positive whole number, got {value!r}"),
            what=Phrase(what, **params),
            value=n,
        )
    return int(n)


def _inputs(x, nin: int, module: Module) -> list[Value]:
    """The inputs as a list of nin Values; a lone number or Value is fine when
    nin is 1 (so width-1 layers chain).

    Numbers become Values here, once, rather than once for every neuron that
    reads them.
    """
    if isinstance(x, (Value, numbers.Real)):
        x = (x,)
    elif not _is_list_like(x):
        x = list(x)
    if len(x) != nin:
        raise TranslatableValueError(
            Nn_(
                "{module} takes {count} input, got {given}: {values}",
                "{module} takes {count} inputs, got {given}: {values}",
            ),
            nin,
            module=repr(module),
            count=nin,
            given=len(x),
            values=_short(x),
        )
    return [v if isinstance(v, Value) else Value(v, label=f"x{i + 1}") for i, v in enumerate(x)]


def _short(x, limit: int = 6) -> str:
    items = [f"{v.data:g}" if isinstance(v, Value) else repr(v) for v in x[:limit]]
    return "[" + ", ".join(items) + (", ...]" if len(x) > limit else "]")


def _options(activation, default, fused: bool) -> str:
    text = f", activation={activation!r}" if activation != default else ""
    return text + ("" if fused else ", fused=False")


def _check_keys(state, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(state, dict) or set(state) != set(keys):
        expected = ", ".join(repr(k) for k in keys)
        got = reprlib.repr(sorted(state, key=str)) if isinstance(state, dict) else _describe(state)
        raise StateDictError(
            N_("{where} should be a dict with keys {expected}, got {got}"),
            where=where,
            expected=expected,
            got=got,
        )


def _number(x, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise StateDictError(
            N_("{where} should be a number, got {value}"), where=where, value=reprlib.repr(x)
        )
    try:
        number = float(x)
    except OverflowError:  # an integer like 10**400 has no float
        raise StateDictError(
            N_("{where} is too large for a float: {value}"), where=where, value=reprlib.repr(x)
        ) from None
    if not math.isfinite(number):
        raise StateDictError(
            N_("{where} should be a finite number, got {value}"), where=where, value=number
        )
    return number


# What a state dict's list holds, for _numbers' error: one whole sentence each.
_WEIGHTS = N_("{where} should be a list of {count} weights, got {got}")
_BIASES = N_("{where} should be a list of {count} biases, got {got}")


def _numbers(xs, n: int, where: str, message: str) -> list[float]:
    if not _is_list_like(xs) or len(xs) != n:
        raise StateDictError(message, where=where, count=n, got=_describe(xs))
    return [_number(x, f"{where}[{i}]") for i, x in enumerate(xs)]


def _describe(x) -> str | Phrase:
    """What an error shows of something that is not the list it expected."""
    if _is_list_like(x):
        return Phrase(N_("a list of {length}"), length=len(x))
    return f"{type(x).__name__} {x!r}"[:80]
