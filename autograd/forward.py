"""Forward mode: the same local derivatives, applied from the inputs to the outputs.

Reverse mode (``backward()``) starts at the output with dz/dz = 1 and sends
gradients back along every edge. Forward mode starts at the inputs: each
input gets a *tangent* (the seed: 1 for the input we differentiate by, 0 for
the others), and one sweep in evaluation order gives every node its tangent,

    ẋ = Σ ∂x/∂p · ṗ   over x's parents p,

with the very same local derivatives ``backward()`` uses (``local_derivatives()``,
the rules in the table ``OPS``). At the end the output's tangent is the
derivative of the output in the seed's direction: with ẇ = 1 and every other
seed 0, ż = dz/dw. (In JAX these are ``jax.jvp``, ``jax.jacfwd``,
``jax.jacrev`` and ``jax.hessian``; in PyTorch ``torch.func``.)

The cost is the lesson: one forward sweep gives the derivatives of *every
output* by one input; one backward sweep gives the derivatives of one output by
*every input*. So n inputs and 1 output (a loss) call for reverse mode, 1 input
and m outputs for forward mode.

>>> value, slope = jvp(lambda w, b: (2 * w + b) * (b + 1), [3.0, 4.0], [1.0, 0.0])
>>> value, slope
(50.0, 10.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.engine import Value, grad, real
from autograd.trace import evaluation_order_of

__all__ = ["MODES", "choose_mode", "forward_sweep", "hessian", "jacobian", "jvp", "sweep_cost"]

MODES = ("forward", "reverse")


def forward_sweep(
    outputs: Sequence[Value], seeds: dict[Value, float], trace: Callable | None = None
) -> dict[Value, float]:
    """Every node's tangent, {node: ṅode}, from the inputs' ``seeds`` (others start at 0).

    One pass in evaluation order, each node after its parents: a node's
    tangent is the sum, over its parents, of local derivative × the parent's
    tangent. ``trace(node, locals, tangent)``, if given, sees every node that
    has parents. No ``.grad`` is touched.

    >>> w, b = Value(3.0), Value(4.0)
    >>> z = (2 * w + b) * (b + 1)
    >>> forward_sweep([z], {w: 1.0})[z]
    10.0
    """
    tangents: dict[Value, float] = {}
    for node in evaluation_order_of(outputs):
        if not node.parents:  # an input's tangent is its seed; a constant's is 0
            tangents[node] = seeds.get(node, 0.0)
            continue
        locals_ = node.local_derivatives()
        tangent = 0.0
        for parent, local in zip(node.parents, locals_):
            # A zero tangent adds nothing. Skipping it also keeps a local derivative
            # that is undefined where the parent cannot move (ln of a negative base
            # in a ** n, for a constant n) from turning the sum into nan.
            if tangents[parent] != 0:
                tangent += local * tangents[parent]
        tangents[node] = tangent
        if trace is not None:
            trace(node, locals_, tangent)
    return tangents


def jvp(
    f: Callable[..., Value], primals: Sequence[float], tangents: Sequence[float]
) -> tuple[float, float]:
    """f at ``primals``, and its derivative in the direction ``tangents``: one forward sweep.

    The directional derivative is Σᵢ df/dxᵢ · tangentᵢ (a Jacobian-vector
    product); a tangent of 1 for one input and 0 for the rest picks out that
    input's derivative. The graph of f is built once, then swept forward.

    >>> def f(w, b):
    ...     return (2 * w + b) * (b + 1)
    >>> jvp(f, [3.0, 4.0], [0.0, 1.0])
    (50.0, 15.0)
    """
    points = _numbers("jvp", "primals", primals)
    directions = _numbers("jvp", "tangents", tangents)
    if len(points) != len(directions):
        raise ValueError(
            f"jvp: {len(points)} primals but {len(directions)} tangents; give one tangent "
            "per primal, e.g. tangents=[1.0, 0.0] for the derivative by the first of two inputs"
        )
    xs = [Value(x) for x in points]
    out = _call("jvp", f, xs)
    if not isinstance(out, Value):
        raise TypeError(
            f"jvp: f must return one Value, got {_describe(out)}; for several outputs use "
            "jacobian(f, inputs)"
        )
    tangent = forward_sweep([out], dict(zip(xs, directions)))[out]
    return out.data, float(tangent)


def jacobian(
    f: Callable[..., Value | Sequence[Value]], inputs: Sequence[float], mode: str | None = None
) -> list[list[float]]:
    """The matrix of derivatives d(output i)/d(input j): one row per output.

    ``f`` returns a Value or a list of Values. Forward mode fills the matrix a
    column at a time (one forward sweep per input), reverse mode a row at a
    time (one backward sweep per output); by default the one with fewer
    sweeps is chosen (see ``choose_mode``): ``mode="forward"`` or
    ``"reverse"`` forces it. Both give the same numbers.

    >>> def polar(r, t):
    ...     return [r * t.exp(), r + t]
    >>> jacobian(polar, [2.0, 0.0])
    [[1.0, 2.0], [1.0, 1.0]]
    """
    if mode is not None and mode not in MODES:
        raise ValueError(f"jacobian: mode must be 'forward', 'reverse' or None, got {mode!r}")
    points = _numbers("jacobian", "inputs", inputs)
    xs = [Value(x) for x in points]
    outputs = _outputs("jacobian", _call("jacobian", f, xs))
    mode = mode or choose_mode(len(xs), len(outputs))
    if mode == "reverse":  # one backward sweep per output: a row each
        return [[float(g) for g in grad(out, xs)] for out in outputs]
    columns = []  # one forward sweep per input: a column each
    for x in xs:
        tangents = forward_sweep(outputs, {x: 1.0})
        columns.append([float(tangents[out]) for out in outputs])
    return [[column[i] for column in columns] for i in range(len(outputs))]  # rows: outputs


def hessian(f: Callable[..., Value], inputs: Sequence[float]) -> list[list[float]]:
    """The matrix of second derivatives d²f/dxᵢdxⱼ: square, and symmetric.

    It is the Jacobian of the gradient. The gradient comes from one backward
    sweep with ``create_graph=True`` (so it is made of Values), and its
    Jacobian from one forward sweep per input: *forward-over-reverse*, as
    ``jax.hessian`` does it.

    >>> hessian(lambda x, y: x * x * y, [3.0, 2.0])
    [[4.0, 6.0], [6.0, 0.0]]
    """

    def gradient(*xs: Value) -> list[Value]:
        out = _call("hessian", f, xs)
        if not isinstance(out, Value):
            raise TypeError(
                f"hessian: f must return one Value, got {_describe(out)}; a Hessian is "
                "the matrix of second derivatives of one output"
            )
        return grad(out, xs, create_graph=True)

    if not _numbers("hessian", "inputs", inputs):
        raise ValueError("hessian: no inputs; give the point as a list with one number per input")
    return jacobian(gradient, inputs, mode="forward")


def choose_mode(n_inputs: int, n_outputs: int) -> str:
    """'forward' when there are no more inputs than outputs, else 'reverse'.

    Forward mode needs one sweep per input, reverse mode one per output.

    >>> choose_mode(1, 3), choose_mode(3, 1), choose_mode(2, 2)
    ('forward', 'reverse', 'forward')
    """
    return "forward" if n_inputs <= n_outputs else "reverse"


def sweep_cost(n_inputs: int, n_outputs: int) -> str:
    """What a Jacobian of this shape costs in each mode, the cheaper one first.

    >>> sweep_cost(2, 1)
    'Cost: 2 inputs and 1 output: reverse mode needs 1 backward sweep, forward mode 2 forward sweeps (one per input).'
    >>> sweep_cost(1, 3)
    'Cost: 1 input and 3 outputs: forward mode needs 1 forward sweep, reverse mode 3 backward sweeps (one per output).'
    """  # noqa: E501
    forward = _count(n_inputs, "forward sweep") + (" (one per input)" if n_inputs > 1 else "")
    reverse = _count(n_outputs, "backward sweep") + (" (one per output)" if n_outputs > 1 else "")
    if choose_mode(n_inputs, n_outputs) == "forward":
        cheaper, dearer = f"forward mode needs {forward}", f"reverse mode {reverse}"
    else:
        cheaper, dearer = f"reverse mode needs {reverse}", f"forward mode {forward}"
    shape = f"{_count(n_inputs, 'input')} and {_count(n_outputs, 'output')}"
    return f"Cost: {shape}: {cheaper}, {dearer}."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _numbers(function: str, what: str, values: Sequence[float]) -> list[float]:
    """``values`` as floats (a Value gives its number), or an error naming the culprit."""
    if isinstance(values, (Value, int, float)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{function}: {what} must be a list of numbers, one per argument of f, "
            f"got {_describe(values)}"
        )
    return [
        x.data if isinstance(x, Value) else real(x, f"{function}: {what}[{i}]")
        for i, x in enumerate(values)
    ]


def _call(function: str, f: Callable, xs: Sequence[Value]):
    if not callable(f):
        raise TypeError(f"{function}: f must be a function of Values, got {_describe(f)}")
    return f(*xs)


def _outputs(function: str, result) -> list[Value]:
    """f's result as a list of Values: one Value, or a list or tuple of them."""
    outputs = list(result) if isinstance(result, (list, tuple)) else [result]
    if not outputs:
        raise ValueError(f"{function}: f returned no outputs; return a Value or a list of Values")
    for i, out in enumerate(outputs):
        if not isinstance(out, Value):
            where = "f" if len(outputs) == 1 else f"output {i} of f"
            raise TypeError(
                f"{function}: {where} is {_describe(out)}, not a Value; every output must "
                "be computed from the inputs (write Value(c) for a constant output)"
            )
    return outputs


def _describe(x) -> str:
    return f"{type(x).__name__} {x!r}"
