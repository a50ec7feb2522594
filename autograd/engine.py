"""The engine: a scalar `Value` that remembers how it was computed.

Every operation does three things, side by side:

1. the forward pass: compute the result from the parents' numbers;
2. record the parents as a tuple (order and repetition kept: ``a + a`` has two);
3. record the *local derivatives*: a rule that, given the output and the
   parents, returns d(output)/d(parent) for each parent.

``backward()`` then applies the chain rule with one loop over the graph, from
the output back to the leaves: every parent receives ``local * upstream``.

>>> w, b = Value(3.0, label="w"), Value(4.0, label="b")
>>> z = (2 * w + b) * (b + 1)
>>> z.backward()
>>> z.data, w.grad, b.grad
(50.0, 10.0, 15.0)
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import numbers
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

Number = int | float
LocalRule = Callable[..., tuple]

__all__ = [
    "OPS",
    "DomainError",
    "GradcheckError",
    "Op",
    "Value",
    "define_op",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "operation",
    "power",
    "topological_order",
]


class DomainError(ValueError, ArithmeticError):
    """An operation was asked for a number outside its domain (log of -1,
    division by zero, a negative base to a fractional power) or its result
    does not fit in a float (exp of 1000)."""


class GradcheckError(AssertionError):
    """The engine's gradients disagree with finite differences."""


# The table of operations, one entry each: how the result is computed from the
# parents' numbers (forward), the local derivatives d(result)/d(parent) (local),
# and how a teacher writes both. A local rule takes the result and the parents
# and returns one derivative per parent. backward() calls it with plain floats;
# grad(create_graph=True) calls the very same rule with Values, so its answer
# is itself differentiable. In the notation {0}, {1}, ... stand for the
# parents and {out} for the result; explain, draw, the lesson page and forward
# mode all read it from here. Value's methods below compute the same forward
# values inline (a call per operation costs time in Python); a test checks
# that they agree with this table.
@dataclass(frozen=True, slots=True)
class Op:
    """One operation: its forward computation, its local derivatives and its notation.

    ``notation`` may instead be a function of the number of parents returning
    ``(formula, derivatives)``, for an operation such as ``linear`` that takes
    any number. ``latex`` and ``latex_derivatives`` are optional: without them
    the text notation is translated (``·`` becomes ``\\cdot``, ``σ`` ``\\sigma``).

    >>> OPS["*"].formula, OPS["*"].derivatives
    ('{0}·{1}', ('{1}', '{0}'))
    >>> OPS["*"].local(6.0, 2.0, 3.0)
    (3.0, 2.0)
    """

    name: str  # as Value.op shows it: '+', 'tanh', ...
    symbol: str  # inside the operation's circle in a drawing
    forward: Callable[..., float]  # the parents' numbers -> the result's number
    local: LocalRule  # (result, *parents) -> d(result)/d(parent) for each parent
    formula: str = ""  # the forward computation, e.g. '{0}·{1}'
    derivatives: tuple[str, ...] = ()  # each local derivative, e.g. ('{1}', '{0}')
    latex: str = ""
    latex_derivatives: tuple[str, ...] = ()
    notation: Callable[[int], tuple[str, tuple[str, ...]]] | None = None
    # The same as Python, for compile_graph: expressions over {0}, {1}, ... and
    # {out}, with math, inf, nan, sigmoid and power_rule in scope; code_check is
    # a condition that holds wherever the engine may refuse the operands.
    code: str = ""
    code_derivatives: tuple[str, ...] = ()
    code_check: str = ""
    code_notation: Callable[[int], tuple[str, tuple[str, ...]]] | None = None
    # For an operation with a domain: the result from the operands as Values, or
    # the DomainError (its message naming them) that Value's method raises.
    checked: Callable[..., float] | None = None

    def written(self, arity: int) -> tuple[str, tuple[str, ...]]:
        """The formula and the local derivatives for ``arity`` parents."""
        if self.notation is not None:
            return self.notation(arity)
        return self.formula, self.derivatives

    def coded(self, arity: int) -> tuple[str, tuple[str, ...]]:
        """The forward computation and the local derivatives as Python, for ``arity`` parents.

        >>> OPS["tanh"].coded(1)
        ('math.tanh({0})', ('1.0 - {out} * {out}',))
        """
        if self.code_notation is not None:
            return self.code_notation(arity)
        return self.code, self.code_derivatives


OPS: dict[str, Op] = {}
_DEFINED: dict[LocalRule, Op] = {}  # every operation define_op made, by its rule


def _table(op: Op) -> Op:
    OPS[op.name] = op
    return op


ADD = _table(
    Op(
        "+",
        "+",
        lambda a, b: a + b,
        lambda out, a, b: (1.0, 1.0),
        "{0} + {1}",
        ("1", "1"),
        code="{0} + {1}",
        code_derivatives=("1.0", "1.0"),
    )
)
SUB = _table(
    Op(
        "-",
        "−",
        lambda a, b: a - b,
        lambda out, a, b: (1.0, -1.0),
        "{0} - {1}",
        ("1", "-1"),
        code="{0} - {1}",
        code_derivatives=("1.0", "-1.0"),
    )
)
MUL = _table(
    Op(
        "*",
        "×",
        lambda a, b: a * b,
        lambda out, a, b: (b, a),
        "{0}·{1}",
        ("{1}", "{0}"),
        code="{0} * {1}",
        code_derivatives=("{1}", "{0}"),
    )
)
# d/db (a/b) = -a/b² = -out/b
DIV = _table(
    Op(
        "/",
        "÷",
        lambda a, b: a / b,
        lambda out, a, b: (1.0 / b, -out / b),
        "{0}/{1}",
        ("1/{1}", "-{0}/{1}^2"),
        code="{0} / {1}",
        code_derivatives=("1.0 / {1}", "-{out} / {1}"),
        code_check="{1} == 0",
        checked=lambda a, b: _checked_div(a, b),
    )
)
NEG = _table(
    Op(
        "neg",
        "−x",
        lambda a: -a,
        lambda out, a: (-1.0,),
        "-{0}",
        ("-1",),
        code="-{0}",
        code_derivatives=("-1.0",),
    )
)
# eᵃ is its own derivative; above 709.78... it exceeds the largest float
EXP = _table(
    Op(
        "exp",
        "exp",
        math.exp,
        lambda out, a: (out,),
        "exp({0})",
        ("exp({0})",),
        code="math.exp({0})",
        code_derivatives=("{out}",),
        code_check="{0} > 709.782712893384",
        checked=lambda a: _checked_exp(a),
    )
)
LOG = _table(
    Op(
        "log",
        "log",
        math.log,
        lambda out, a: (1.0 / a,),
        "log({0})",
        ("1/{0}",),
        code="math.log({0})",
        code_derivatives=("1.0 / {0}",),
        code_check="{0} <= 0",
        checked=lambda a: _checked_log(a),
    )
)
# tanh' = 1 - tanh²
TANH = _table(
    Op(
        "tanh",
        "tanh",
        math.tanh,
        lambda out, a: (1.0 - out * out,),
        "tanh({0})",
        ("1 - {out}^2",),
        code="math.tanh({0})",
        code_derivatives=("1.0 - {out} * {out}",),
    )
)
# σ' = σ·(1 - σ)
SIGMOID = _table(
    Op(
        "sigmoid",
        "σ",
        lambda a: _sigmoid(a),
        lambda out, a: (out * (1.0 - out),),
        "σ({0})",
        ("{out}·(1 - {out})",),
        code="sigmoid({0})",
        code_derivatives=("{out} * (1.0 - {out})",),
    )
)
# a step: 0 at a = 0, as in PyTorch
RELU = _table(
    Op(
        "relu",
        "relu",
        lambda a: a if a > 0 else 0.0,
        lambda out, a: (1.0 if a > 0 else 0.0,),
        "relu({0})",
        ("1 if {0} > 0 else 0",),
        code="{0} if {0} > 0 else 0.0",
        code_derivatives=("1.0 if {0} > 0 else 0.0",),
    )
)


def _d_pow(out, a, n):  # aⁿ with n a Value: n·aⁿ⁻¹, and aⁿ·ln a (for a > 0)
    if a > 0:
        return _power_rule(a, n), out * _ln(a)
    return _power_rule(a, n), (0.0 if a >= 0 else math.nan)  # ln a: undefined for a < 0


POW = _table(
    Op(
        "**",
        "xʸ",
        lambda a, n: a**n,
        _d_pow,
        "{0}^{1}",
        ("{1}·{0}^({1} - 1)", "{0}^{1}·ln({0})"),
        code="{0} ** {1}",
        code_derivatives=(
            "power_rule({0}, {1})",
            "{out} * math.log({0}) if {0} > 0 else (0.0 if {0} >= 0 else nan)",
        ),
        # a ≤ 0, or aⁿ = e^(n·ln a) near the largest float
        code_check="{0} <= 0 or {1} * math.log({0}) > 709.78",
        checked=lambda a, n: _checked_pow(a, n.data, _name(n, "n"), n),
    )
)


@functools.lru_cache(maxsize=256)
def power(n: float) -> Op:
    """aⁿ for a plain number n, one operation per exponent: '**2' has n·aⁿ⁻¹ = 2·a.

    >>> power(2.0).name, power(2.0).derivatives, power(2.0).local(9.0, 3.0)
    ('**2', ('2·{0}',), (6.0,))
    """
    # The name must give n back exactly: operation() finds the entry by it.
    n_text = _format(n) if float(_format(n)) == n else repr(n)
    if n == 0:
        derivative = "0"
    elif n == 1:
        derivative = "1"
    elif n == 2:
        derivative = "2·{0}"
    else:
        derivative = f"{_bracket(n_text)}·{{0}}^{_bracket(_format(n - 1))}"
    return Op(
        "**" + n_text,
        "x^" + n_text,
        lambda a: a**n,
        lambda out, a: (_power_rule(a, n),),
        f"{{0}}^{_bracket(n_text)}",
        (derivative,),
        code=f"{{0}} ** {n!r}",
        code_derivatives=(_power_rule_code(n),),
        code_check=_power_check_code(n),
        checked=lambda a: _checked_pow(a, n, n_text),
    )


def _power_rule_code(n: float) -> str:
    """_power_rule for a fixed n, as Python: 2.0 * {0} for n = 2."""
    if n == 0 or n == 1:
        return repr(float(n == 1))
    if n == 2:  # a ** 1.0 is a itself
        return "2.0 * {0}"
    rule = f"{n!r} * {{0}} ** {n - 1!r}"
    return f"inf if {{0}} == 0 else {rule}" if 0 < n < 1 else rule


def _power_check_code(n: float) -> str:
    """Where aⁿ may be refused: a negative base to a fractional power, or a
    result beyond the largest float (a little early: the engine decides)."""
    conditions = [] if float(n).is_integer() else ["{0} < 0"]
    if n > 1:
        conditions.append(f"abs({{0}}) > {sys.float_info.max ** (1 / n) * (1 - 1e-9)!r}")
    elif n < 0:  # small |a| to a negative power: also division by zero at 0
        conditions.append(f"abs({{0}}) < {sys.float_info.max ** (1 / n) * (1 + 1e-9)!r}")
    return " or ".join(conditions)


def _linear_notation(arity: int) -> tuple[str, tuple[str, ...]]:
    """Σ wᵢ·xᵢ + b with parents (w1..wn, x1..xn, b): ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1."""
    n = (arity - 1) // 2
    forward = " + ".join([*(f"{{{i}}}·{{{n + i}}}" for i in range(n)), f"{{{2 * n}}}"])
    local = tuple(f"{{{n + i}}}" for i in range(n)) + tuple(f"{{{i}}}" for i in range(n))
    return forward, (*local, "1")


def _linear_forward(*values):
    n = (len(values) - 1) // 2
    return sum(w * x for w, x in zip(values[:n], values[n : 2 * n])) + values[-1]


def _d_linear(out, *values):  # d/dwᵢ = xᵢ, d/dxᵢ = wᵢ, d/db = 1
    n = (len(values) - 1) // 2
    return values[n : 2 * n] + values[:n] + (1.0,)


def _linear_code(arity: int) -> tuple[str, tuple[str, ...]]:
    """As linear() adds, left to right from the bias: {2n} + {0} * {n} + ..."""
    n = (arity - 1) // 2
    forward = " + ".join([f"{{{2 * n}}}", *(f"{{{i}}} * {{{n + i}}}" for i in range(n))])
    local = tuple(f"{{{n + i}}}" for i in range(n)) + tuple(f"{{{i}}}" for i in range(n))
    return forward, (*local, "1.0")


LINEAR = _table(
    Op(
        "linear",
        "Σwx+b",
        _linear_forward,
        _d_linear,
        notation=_linear_notation,
        code_notation=_linear_code,
    )
)
_BUILT_IN = frozenset(OPS) | {"const"}


def define_op(
    name: str,
    forward: Callable[..., float],
    local: LocalRule,
    *,
    formula: str = "",
    derivatives: Sequence[str] = (),
    symbol: str = "",
    latex: str = "",
    latex_derivatives: Sequence[str] = (),
) -> Callable[..., Value]:
    """Add an operation of your own to the table; return the function that applies it.

    ``forward`` takes the operands' numbers and returns the result's;
    ``local(out, *operands)`` returns d(out)/d(operand) for each operand.
    ``backward()`` calls ``local`` with floats and ``grad(create_graph=True)``
    with Values, so write it with operators and Value-friendly calls (or
    branch on the type). ``formula`` and ``derivatives`` are the notation
    that explain, draw and the lesson page show, with {0}, {1}, ... for the
    operands and {out} for the result. The code compile_graph writes calls
    ``forward`` and ``local`` themselves.

    >>> cube = define_op("cube", lambda a: a**3, lambda out, a: (3 * a**2,),
    ...                  formula="{0}^3", derivatives=("3·{0}^2",))
    >>> x = Value(2.0)
    >>> y = cube(x)
    >>> y.backward()
    >>> y.data, x.grad
    (8.0, 12.0)
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"define_op: the name must be an identifier such as 'softplus', got {name!r}"
        )
    if name in _BUILT_IN:
        raise ValueError(f"define_op: {name!r} is a built-in operation; choose another name")
    if hasattr(Value, name):  # Value.backward, .data: a program could call them by that name
        raise ValueError(f"define_op: {name!r} is the name of a Value attribute; choose another")
    for argument, role in ((forward, "forward"), (local, "local")):
        if not callable(argument):
            raise TypeError(f"define_op({name!r}): {role} must be a function, got {argument!r}")
    # A rule of its own for each definition, so that a node made before the
    # name is defined again (a notebook cell run twice) keeps its own operation.
    rule = functools.partial(local)
    op = _table(
        Op(
            name,
            symbol or name,
            forward,
            rule,
            formula or f"{name}(" + ", ".join(f"{{{i}}}" for i in range(len(derivatives))) + ")",
            tuple(derivatives),
            latex,
            tuple(latex_derivatives),
        )
    )
    _DEFINED[rule] = op

    def apply(*operands: Operand) -> Value:
        parents = tuple(_lift(x, name) for x in operands)
        if derivatives and len(derivatives) != len(parents):
            raise TypeError(
                f"{name}() takes {len(derivatives)} operand(s) (one per derivative), "
                f"got {len(parents)}"
            )
        data = _apply_forward(op, [p.data for p in parents])
        return Value(data, "", parents, op.local, name)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"Apply the operation {name!r} (see define_op)."
    return apply


def _apply_forward(op: Op, numbers: Sequence[float]) -> float:
    """A user's operation on numbers: the result as a float, or the engine's DomainError."""
    try:
        data = op.forward(*numbers)
    except (ArithmeticError, ValueError) as error:
        shown = ", ".join(repr(x) for x in numbers)
        raise DomainError(f"{op.name}({shown}): {error}") from None
    return _real(data, f"the result of {op.name}")


def operation(node: Value) -> Op | None:
    """The table entry of the operation that made ``node``; None for a leaf.

    >>> a = Value(3.0)
    >>> operation(a * a).name, operation(a**2).name, operation(a)
    ('*', '**2', None)
    """
    name = node._op
    if name in OPS:
        op = OPS[name]
        # Made by an earlier definition of a name define_op has since given again.
        return op if op.local is node._local else _DEFINED.get(node._local, op)
    if name.startswith("**"):
        return power(float(name[2:]))
    return None


def _power_rule(a, n):
    if n == 0:  # a⁰ is constant (also at a = 0)
        return 0.0
    if a == 0 and n < 1:  # √a and friends: a vertical tangent at 0
        return math.inf
    return n * a ** (n - 1)


def _ln(x):
    return x.log() if isinstance(x, Value) else math.log(x)


def _sigmoid(x: float) -> float:
    # Two forms of 1 / (1 + e⁻ˣ), so that exp never sees a large positive number.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _format(x: float) -> str:
    return f"{x:g}"


def _bracket(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


# no_grad() switches this off; a ContextVar is per thread (and per asyncio
# task), so one notebook thread cannot switch tracking off for another.
_grad_enabled = contextvars.ContextVar("autograd_grad_enabled", default=True)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations build no graph (optimizer steps, evaluation).

    >>> w = Value(2.0)
    >>> with no_grad():
    ...     y = w * 3
    >>> y.parents
    ()
    """
    token = _grad_enabled.set(False)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``."""
    return _grad_enabled.get()


class Value:
    """One real number in a computation graph, and its gradient.

    ``Value(data, label)`` makes a leaf. An operation makes its result with
    ``Value(data, "", parents, rule, name)``: the parents as a tuple, and the
    local rule of the operation's entry in ``OPS``. To add an operation of
    your own, use ``define_op``.

    >>> a = Value(2.0, label="a")
    >>> y = a * a + 1
    >>> y.backward()
    >>> y, a.grad
    (Value(data=5.0, grad=1.0), 4.0)
    """

    __slots__ = ("data", "grad", "label", "_op", "_prev", "_local")
    # Jupyter shows a Value as its graph: autograd.draw sets _repr_mimebundle_.

    # numpy scalars on the left (np.float64(2) * v) defer to Value's own ops.
    __array_ufunc__ = None

    def __init__(
        self,
        data: Number,
        label: str = "",
        _prev: tuple[Value, ...] = (),
        _local: LocalRule | None = None,
        _op: str = "",
    ):
        self.data = data if type(data) is float else _real(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        if _prev and not _grad_enabled.get():  # inside no_grad(): a result without a graph
            _prev, _local, _op = (), None, ""
        self._prev = _prev
        self._local = _local
        self._op = _op

    @property
    def op(self) -> str:
        """The operation that produced this Value: '+', 'tanh', ...; '' for a
        leaf the user made, 'const' for a number used in an operation."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands this Value was computed from, in order."""
        return self._prev

    def local_derivatives(self, create_graph: bool = False) -> tuple:
        """d(self)/d(parent) for each parent, as floats (or Values).

        These are the numbers ``backward()`` multiplies by the upstream
        gradient; ``_backward()`` applies them once, by hand.

        >>> a, b = Value(3.0), Value(4.0)
        >>> (a * b).local_derivatives()
        (4.0, 3.0)
        """
        if not self._prev:
            return ()
        if create_graph:
            return self._local(self, *self._prev)
        return self._local(self.data, *[p.data for p in self._prev])

    def _backward(self) -> None:
        """Apply this node's local rule once: each parent's ``.grad`` gets local × ``self.grad``.

        ``backward()`` does this for every node in order; micrograd's lecture
        does it by hand, node by node (set ``o.grad = 1.0``, then ``o._backward()``).

        >>> a, b = Value(3.0), Value(4.0)
        >>> c = a * b
        >>> c.grad = 1.0
        >>> c._backward()
        >>> a.grad, b.grad
        (4.0, 3.0)
        """
        for parent, local in zip(self._prev, self.local_derivatives()):
            parent.grad += local * self.grad

    # Arithmetic. A plain number on either side becomes a constant leaf.
    def __add__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _lift(other, "+")
        return Value(self.data + other.data, "", (self, other), ADD.local, ADD.name)

    def __sub__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _lift(other, "-")
        return Value(self.data - other.data, "", (self, other), SUB.local, SUB.name)

    def __mul__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _lift(other, "*")
        return Value(self.data * other.data, "", (self, other), MUL.local, MUL.name)

    def __truediv__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _lift(other, "/")
        return Value(_checked_div(self, other), "", (self, other), DIV.local, DIV.name)

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return Value(POW.checked(self, exponent), "", (self, exponent), POW.local, POW.name)
        op = power(_real(exponent, "operand of **"))
        return Value(op.checked(self), "", (self,), op.local, op.name)

    def __neg__(self) -> Value:
        return Value(-self.data, "", (self,), NEG.local, NEG.name)

    # A number on the left: 2 * w, 1 - x, 1 / x, 2 ** x.
    def __radd__(self, other: Number) -> Value:
        return _lift(other, "+") + self

    def __rsub__(self, other: Number) -> Value:
        return _lift(other, "-") - self

    def __rmul__(self, other: Number) -> Value:
        return _lift(other, "*") * self

    def __rtruediv__(self, other: Number) -> Value:
        return _lift(other, "/") / self

    def __rpow__(self, other: Number) -> Value:
        return _lift(other, "**") ** self

    # Functions.
    def exp(self) -> Value:
        return Value(_checked_exp(self), "", (self,), EXP.local, EXP.name)

    def log(self) -> Value:
        return Value(_checked_log(self), "", (self,), LOG.local, LOG.name)

    def tanh(self) -> Value:
        return Value(math.tanh(self.data), "", (self,), TANH.local, TANH.name)

    def sigmoid(self) -> Value:
        return Value(_sigmoid(self.data), "", (self,), SIGMOID.local, SIGMOID.name)

    def relu(self) -> Value:
        return Value(self.data if self.data > 0 else 0.0, "", (self,), RELU.local, RELU.name)

    # Comparisons look at .data (for `if loss < 0.01`, max(), sorted()).
    # == stays identity, so Values can be dictionary keys as in micrograd.
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def backward(self) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d(self)/d(node).

        Leaves (Values you made, and constants) *accumulate*, as in PyTorch:
        call ``zero_grad()`` between steps. Every intermediate node's ``.grad``
        is recomputed for this pass, so a second call without zeroing gives
        the leaves exactly twice their gradient.
        """
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        # The chain rule, from the output back to the leaves. A node's gradient
        # is complete (all paths summed) before it is passed on: each parent
        # receives local derivative × upstream gradient. Nodes with one or two
        # parents (almost all) are spelled out, because calls are slow in Python;
        # the last branch is the general case. _backpropagate() below is the
        # same loop into a dictionary, for grad() and explain().
        for node in reversed(order):
            parents = node._prev
            if not parents:
                continue
            upstream = node.grad
            if len(parents) == 1:
                (a,) = parents
                (local_a,) = node._local(node.data, a.data)
                a.grad += local_a * upstream
            elif len(parents) == 2:
                a, b = parents
                local_a, local_b = node._local(node.data, a.data, b.data)
                a.grad += local_a * upstream
                b.grad += local_b * upstream
            else:
                local_derivatives = node._local(node.data, *[p.data for p in parents])
                for parent, local in zip(parents, local_derivatives):
                    parent.grad += local * upstream

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this Value and everything it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


Operand = Value | int | float


def _real(x, where: str) -> float:
    """x as a float, or a TypeError that says what was passed where."""
    if type(x) is float or type(x) is int:  # the common case, without the slower ABC check
        return float(x)
    if isinstance(x, numbers.Real):  # int, float, bool, Fraction, numpy reals
        return float(x)
    if isinstance(x, Value):
        raise TypeError(
            f"{where}: got {x!r}; a Value does not hold another Value. "
            "Use the Value itself, or Value(v.data) for an independent copy"
        )
    if isinstance(x, complex):
        raise TypeError(
            f"{where}: got the complex number {x!r}; this engine differentiates real numbers only"
        )
    if isinstance(x, str):
        raise TypeError(f"{where}: got the text {x!r}; convert it first, e.g. float({x!r})")
    raise TypeError(f"{where}: expected a real number, got {type(x).__name__} {x!r}")


def _lift(x: Operand, op: str) -> Value:
    if isinstance(x, Value):
        return x
    if type(x) is not float:  # floats need no check: the common case stays fast
        x = _real(x, "operand of " + op)
    return Value(x, "", (), None, "const")


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else _real(x, "comparison")


def _name(v: Value, default: str) -> str:
    """How an error message names an operand: its label, its value if it is a
    constant, else a placeholder such as x."""
    if v._op == "const":
        return f"{v.data:g}"
    return v.label or default


def _with_value(v: Value, default: str) -> str:
    return "" if v._op == "const" else f" with {_name(v, default)} = {v.data!r}"


def _checked_div(a: Value, b: Value) -> float:
    """a / b as a float, or a DomainError for b = 0."""
    if b.data == 0:
        raise DomainError(
            f"division by zero in {_name(a, 'x')} / {_name(b, 'y')}" + _with_value(b, "y")
        )
    return a.data / b.data


def _checked_exp(a: Value) -> float:
    """eᵃ as a float, or a DomainError where it exceeds the largest float."""
    try:
        return math.exp(a.data)
    except OverflowError:
        raise DomainError(
            f"overflow in exp({_name(a, 'x')}){_with_value(a, 'x')}: "
            "the result exceeds the largest float (about "
            "1.8e308, reached at x = 709.78); for probabilities use "
            "sigmoid() or subtract the maximum first (log-sum-exp)"
        ) from None


def _checked_log(a: Value) -> float:
    """ln a as a float, or a DomainError for a ≤ 0."""
    if a.data <= 0:
        raise DomainError(
            f"log of a non-positive number: log({_name(a, 'x')})"
            f"{_with_value(a, 'x')}; log is defined for x > 0 only"
        )
    return math.log(a.data)


def _checked_pow(base: Value, n: float, n_text: str, exponent: Value | None = None) -> float:
    """base ** n as a real float, or a DomainError (never a complex number)."""
    a = base.data

    def where() -> str:  # only for an error message: not built on the fast path
        operands = [(base, "x")] if exponent is None else [(base, "x"), (exponent, "n")]
        values = [f"{_name(v, d)} = {v.data!r}" for v, d in operands if v._op != "const"]
        expression = f"{_name(base, 'x')} ** {n_text}"
        return expression + (" with " + " and ".join(values) if values else "")

    if a == 0 and n < 0:
        raise DomainError(f"division by zero in {where()}")
    if a < 0 and not float(n).is_integer():
        raise DomainError(
            f"negative base to a fractional power in {where()}: the result is not a real number"
        )
    try:
        return float(a**n)
    except OverflowError:
        raise DomainError(f"overflow in {where()}: the result exceeds the largest float") from None


def linear(weights: Sequence[Value], inputs: Sequence[Operand], bias: Operand) -> Value:
    """Σ wᵢ·xᵢ + b as a single node: what a neuron computes before its activation.

    One node instead of 2n, with local derivatives xᵢ (for wᵢ), wᵢ (for xᵢ)
    and 1 (for b): the same result and gradients as the long sum, much faster.

    >>> z = linear([Value(2.0), Value(-1.0)], [3.0, 4.0], 0.5)
    >>> z.data
    2.5
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"linear: {len(weights)} weights but {len(inputs)} inputs; they must pair up one to one"
        )
    # Skip the call to _lift for what is already a Value: a neuron's weights always are.
    weights = [w if type(w) is Value else _lift(w, "linear") for w in weights]
    inputs = [x if type(x) is Value else _lift(x, "linear") for x in inputs]
    bias = _lift(bias, "linear")
    data = bias.data
    for w, x in zip(weights, inputs):
        data += w.data * x.data
    return Value(data, "", (*weights, *inputs, bias), LINEAR.local, LINEAR.name)


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each listed after all of its parents.

    Depth-first with an explicit stack (no recursion), so a chain of a million
    operations needs no more than the default recursion limit.
    """
    order: list[Value] = []
    visited = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_LISTED:  # everything pushed above it is done
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            if node._prev:
                stack.append(node)
                stack.append(_PARENTS_LISTED)
                for parent in node._prev:
                    if parent not in visited:  # a node used many times is pushed once
                        stack.append(parent)
            else:  # a leaf has nothing to wait for
                order.append(node)
    return order


# Pushed below a node's parents: popping it means they are all in the order.
_PARENTS_LISTED = None


def _backpropagate(root: Value, seed, create_graph: bool = False, trace=None) -> dict:
    """The chain rule of backward(), for grad() and explain(): the gradients go
    into a dictionary, {node: d(root)/d(node)}, and no ``.grad`` is touched.

    Nodes are visited from the output back to the leaves, so a node's gradient
    is complete (all paths summed) before it is passed on: each parent receives
    local derivative × upstream gradient. ``trace``, if given, sees every step.
    """
    grads = {root: seed}
    for node in reversed(topological_order(root)):
        if not node._prev:
            continue
        upstream = grads[node]
        for parent, local in zip(node._prev, node.local_derivatives(create_graph)):
            contribution = local * upstream
            grads[parent] = grads[parent] + contribution if parent in grads else contribution
            if trace is not None:
                trace(node, parent, local, upstream, contribution, grads[parent])
    return grads


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """d(output)/d(input) for each input, as a list; no ``.grad`` is touched.

    With ``create_graph=True`` the gradients are Values with a graph of their
    own, so they can be differentiated again.

    >>> x = Value(2.0)
    >>> y = x**3
    >>> (dy,) = grad(y, [x], create_graph=True)
    >>> (d2y,) = grad(dy, [x])
    >>> dy.data, d2y
    (12.0, 12.0)
    """
    if isinstance(inputs, Value):
        inputs = [inputs]
    for x in [output, *inputs]:
        if not isinstance(x, Value):
            raise TypeError(f"grad: expected Values, got {type(x).__name__} {x!r}")
    seed = Value(1.0, "", (), None, "const") if create_graph else 1.0
    grads = _backpropagate(output, seed, create_graph)
    zero = Value(0.0, "", (), None, "const") if create_graph else 0.0
    return [grads.get(x, zero) for x in inputs]


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Operand],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare the engine's gradients of ``f(*inputs)`` with central differences
    (f(x + eps) - f(x - eps)) / 2eps. Return True, or raise GradcheckError
    listing each input's analytic and numeric value.

    >>> gradcheck(lambda a, b: a * b.tanh(), [0.5, -1.5])
    True
    """
    point = [_data(x) for x in inputs]
    leaves = [Value(x) for x in point]
    analytic = [float(g) for g in grad(_call(f, leaves), leaves)]
    numeric = []
    with no_grad():
        for i in range(len(point)):
            up, down = list(point), list(point)
            up[i] += eps
            down[i] -= eps
            f_up, f_down = _call(f, map(Value, up)).data, _call(f, map(Value, down)).data
            numeric.append((f_up - f_down) / (2 * eps))
    bad = [
        i
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if bad:
        rows = "\n".join(
            f"  input {i} (= {point[i]!r}): analytic {analytic[i]!r}, numeric {numeric[i]!r}"
            + ("   <-- differs" if i in bad else "")
            for i in range(len(point))
        )
        raise GradcheckError(
            f"gradcheck failed for {getattr(f, '__name__', f)!s} "
            f"(atol={atol}, rtol={rtol}, eps={eps}):\n{rows}"
        )
    return True


def _call(f: Callable[..., Value], args) -> Value:
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(
            f"gradcheck: f must return a single Value, got {type(out).__name__} {out!r}"
        )
    return out
