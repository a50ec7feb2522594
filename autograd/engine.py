"""The engine: a scalar `Value` that remembers how it was computed.

Every operation is one row of a table: how its result is computed from the
operands' numbers (forward), and its *local derivatives* d(result)/d(operand)
(local), side by side, like the derivative table of a calculus book. A Value
made by an operation keeps its operands as a tuple (order and repetition
kept: ``a + a`` has two) and the row that made it.

``backward()`` then applies the chain rule with one loop over the graph, from
the output back to the leaves: every parent receives ``local * upstream``.

>>> w, b = Value(3.0, label="w"), Value(4.0, label="b")
>>> z = (2 * w + b) * (b + 1)
>>> z.backward()
>>> z.data, w.grad, b.grad
(50.0, 10.0, 15.0)
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import autograd.errors as errors
from autograd.errors import DomainError, real
from autograd.grad_mode import grad_enabled, is_grad_enabled, no_grad

__all__ = [
    "BUILT_IN",
    "OPS",
    "DomainError",
    "Op",
    "Value",
    "apply",
    "backpropagate",
    "grad",
    "is_grad_enabled",
    "lift",
    "linear",
    "no_grad",
    "operation",
    "power",
    "power_rule",
    "real",
    "sigmoid",
    "topological_order",
]


@dataclass(frozen=True, eq=False, slots=True)
class Op:
    """One operation: its forward computation and its local derivatives.

    ``forward`` takes the operands' numbers; ``local(out, *operands)`` returns
    d(out)/d(operand) for each operand. ``backward()`` calls ``local`` with
    floats; ``grad(create_graph=True)`` calls the very same rule with Values,
    so its answer is itself differentiable. Where Python refuses the forward
    computation (1 / 0, log of -1), the engine raises a DomainError that says
    why (autograd.errors).

    >>> MUL.forward(2.0, 3.0), MUL.local(6.0, 2.0, 3.0)
    (6.0, (3.0, 2.0))
    """

    name: str  # as Value.op shows it: '+', 'tanh', '**2', ...
    forward: Callable[..., float]
    local: Callable[..., tuple]

    # One row per operation: a copied Value (copy.deepcopy of a model) keeps its row.
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict) -> Op:
        return self


def sigmoid(x: float) -> float:
    """1 / (1 + e⁻ˣ), in the form whose exp never sees a large positive number."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def power_rule(a, n):
    """d/da aⁿ = n·aⁿ⁻¹; 0 for n = 0 (also at a = 0), infinite at a = 0 for
    n < 1 (√a and friends: a vertical tangent)."""
    if n == 0:
        return 0.0
    if a == 0 and n < 1:
        return math.inf
    return n * a ** (n - 1)


def _d_pow(out, a, n):  # aⁿ with n a Value: n·aⁿ⁻¹, and aⁿ·ln a (undefined for a < 0)
    if a > 0:
        return power_rule(a, n), out * (a.log() if isinstance(a, Value) else math.log(a))
    return power_rule(a, n), (0.0 if a >= 0 else math.nan)


def _linear(*numbers: float) -> float:  # parents w1..wn, x1..xn, b: from b, left to right
    n = len(numbers) // 2
    total = numbers[-1]
    for w, x in zip(numbers, numbers[n : 2 * n]):  # zip stops after the n weights
        total += w * x
    return total


def _d_linear(out, *operands):  # ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1
    n = len(operands) // 2
    return (*operands[n : 2 * n], *operands[:n], 1.0)


# The derivative table: each operation's result from its operands' numbers, and
# its local derivatives d(out)/d(operand) from the result (out) and the operands.
# For a / b, -out/b is -a/b²; eᵃ is its own derivative; tanh' = 1 - tanh²;
# σ' = σ·(1 - σ); relu's step is 0 at a = 0, as in PyTorch.
# fmt: off
#            name       result                          local derivatives
ADD     = Op("+",       operator.add,                   lambda out, a, b: (1.0, 1.0))
SUB     = Op("-",       operator.sub,                   lambda out, a, b: (1.0, -1.0))
MUL     = Op("*",       operator.mul,                   lambda out, a, b: (b, a))
DIV     = Op("/",       operator.truediv,               lambda out, a, b: (1.0 / b, -out / b))
NEG     = Op("neg",     operator.neg,                   lambda out, a: (-1.0,))
EXP     = Op("exp",     math.exp,                       lambda out, a: (out,))
LOG     = Op("log",     math.log,                       lambda out, a: (1.0 / a,))
TANH    = Op("tanh",    math.tanh,                      lambda out, a: (1.0 - out * out,))
SIGMOID = Op("sigmoid", sigmoid,                        lambda out, a: (out * (1.0 - out),))
RELU    = Op("relu",    lambda a: a if a > 0 else 0.0,  lambda out, a: (1.0 if a > 0 else 0.0,))
POW     = Op("**",      math.pow,                       _d_pow)  # aⁿ with n a Value
LINEAR  = Op("linear",  _linear,                        _d_linear)  # Σ wᵢ·xᵢ + b
# fmt: on

OPS: dict[str, Op] = {
    op.name: op for op in (ADD, SUB, MUL, DIV, NEG, EXP, LOG, TANH, SIGMOID, RELU, POW, LINEAR)
}

# A leaf is made by no operation: it is a number the user made (''), or one an
# operation used (the 2 in 2 * w: 'const'). Without operands it has no rules.
LEAF = Op("", None, None)
CONSTANT = Op("const", None, None)
BUILT_IN = frozenset(OPS) | {CONSTANT.name}  # names define_op may not take


@functools.lru_cache(maxsize=256)
def power(n: float) -> Op:
    """aⁿ for a plain number n, one operation per exponent: '**2' has n·aⁿ⁻¹ = 2·a.

    >>> power(2.0).name, power(2.0).forward(3.0), power(2.0).local(9.0, 3.0)
    ('**2', 9.0, (6.0,))
    """
    n_text = f"{n:g}" if float(f"{n:g}") == n else repr(n)  # the name gives n back exactly
    return Op("**" + n_text, lambda a: math.pow(a, n), lambda out, a: (power_rule(a, n),))


# Value's methods for one- and two-operand operations: apply(op, self, other)
# written out, the result made without calling Value() (in Python a call costs
# more than the arithmetic). Every Value is made with its five slots set.
_recording = grad_enabled.get  # False inside no_grad(): results keep no parents
_new = object.__new__  # a Value with its slots unset


def _unary(op: Op) -> Callable[[Value], Value]:
    forward = op.forward

    def method(self: Value) -> Value:
        try:
            data = forward(self.data)
        except (ArithmeticError, ValueError) as error:
            raise errors.refused(op.name, (self,), error) from None
        out = _new(Value)
        out.data = data if type(data) is float else real(data, f"the result of {op.name}")
        out.grad, out.label = 0.0, ""
        out._prev = (self,) if _recording() else ()  # inside no_grad(): no graph
        out._op = op if out._prev else LEAF
        return out

    method.__name__ = method.__qualname__ = op.name
    return method


def _binary(op: Op) -> Callable[[Value, Operand], Value]:
    forward = op.forward

    def method(self: Value, other: Operand) -> Value:
        if type(other) is not Value:
            other = lift(other, op.name)
        try:
            data = forward(self.data, other.data)
        except (ArithmeticError, ValueError) as error:
            raise errors.refused(op.name, (self, other), error) from None
        out = _new(Value)
        out.data = data if type(data) is float else real(data, f"the result of {op.name}")
        out.grad, out.label = 0.0, ""
        out._prev = (self, other) if _recording() else ()  # inside no_grad(): no graph
        out._op = op if out._prev else LEAF
        return out

    method.__name__ = method.__qualname__ = op.name
    return method


class Value:
    """One real number in a computation graph, and its gradient.

    ``Value(data, label)`` makes a leaf. An operation makes its result with
    ``apply(op, *operands)``: the parents as a tuple, and the operation's row
    of the table (``OPS``). To add an operation of your own, use ``define_op``.

    >>> a = Value(2.0, label="a")
    >>> y = a * a + 1
    >>> y.backward()
    >>> y, a.grad
    (Value(data=5.0, grad=1.0), 4.0)
    """

    __slots__ = ("data", "grad", "label", "_prev", "_op")
    # Jupyter shows a Value as its graph: autograd.draw sets _repr_mimebundle_.

    # numpy scalars on the left (np.float64(2) * v) defer to Value's own ops.
    __array_ufunc__ = None

    def __init__(self, data: float, label: str = "", _prev: tuple = (), _op: Op = LEAF):
        self.data = data if type(data) is float else real(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        if _prev and not _recording():  # inside no_grad(): a result without a graph
            _prev, _op = (), LEAF
        self._prev = _prev
        self._op = _op

    @property
    def op(self) -> str:
        """The operation that produced this Value: '+', 'tanh', ...; '' for a
        leaf the user made, 'const' for a number used in an operation."""
        return self._op.name

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
        try:
            if create_graph:
                return self._op.local(self, *self._prev)
            return self._op.local(self.data, *[p.data for p in self._prev])
        except ArithmeticError as error:
            if create_graph:  # the rule on numbers says why, as backward() would
                self.local_derivatives()
            raise errors.derivative_refused(self.op, self._prev, error) from None

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

    # The operations: each applies its row of the table. A plain number as the
    # other operand becomes a constant leaf.
    __add__ = _binary(ADD)
    __sub__ = _binary(SUB)
    __mul__ = _binary(MUL)
    __truediv__ = _binary(DIV)
    __neg__ = _unary(NEG)
    exp = _unary(EXP)
    log = _unary(LOG)
    tanh = _unary(TANH)
    sigmoid = _unary(SIGMOID)
    relu = _unary(RELU)

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return _power_of_value(self, exponent)
        return _power_method(real(exponent, "operand of **"))(self)

    # A number on the left: 2 * w, 1 - x, 1 / x, 2 ** x.
    def __radd__(self, other: float) -> Value:
        return lift(other, "+") + self

    def __rsub__(self, other: float) -> Value:
        return lift(other, "-") - self

    def __rmul__(self, other: float) -> Value:
        return lift(other, "*") * self

    def __rtruediv__(self, other: float) -> Value:
        return lift(other, "/") / self

    def __rpow__(self, other: float) -> Value:
        return lift(other, "**") ** self

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
        # The chain rule, from the output back to the leaves: for each node,
        # each parent's .grad += local derivative × upstream gradient.
        _chain_rule_unrolled(reversed(order))

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this Value and everything it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


Operand = Value | float
_power_of_value = _binary(POW)


@functools.lru_cache(maxsize=256)
def _power_method(n: float) -> Callable[[Value], Value]:
    return _unary(power(n))


def lift(x: Operand, op: str) -> Value:
    """``x`` as an operand of ``op``: a Value stays, a number becomes a constant leaf."""
    if isinstance(x, Value):
        return x
    if type(x) is not float:  # floats need no check: the common case stays fast
        x = real(x, "operand of " + op)
    return Value(x, "", (), CONSTANT)


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else real(x, "comparison")


def apply(op: Op, *operands: Value) -> Value:
    """The result of ``op`` on ``operands``: its number from the row's forward,
    the operands as its parents; a DomainError where Python refuses them.

    >>> apply(MUL, Value(2.0), Value(3.0))
    Value(data=6.0, grad=0.0)
    """
    return _result(op, operands, [x.data for x in operands])


def _result(op: Op, operands: tuple[Value, ...], numbers: list[float]) -> Value:
    """apply(), given the operands' numbers."""
    try:
        data = op.forward(*numbers)
    except (ArithmeticError, ValueError) as error:
        raise errors.refused(op.name, operands, error) from None
    out = _new(Value)
    out.data = data if type(data) is float else real(data, f"the result of {op.name}")
    out.grad, out.label = 0.0, ""
    out._prev = operands if _recording() else ()  # inside no_grad(): no graph
    out._op = op if out._prev else LEAF
    return out


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
    operands = (*weights, *inputs, bias)
    numbers = [x.data for x in operands if type(x) is Value]  # one pass: calls are slow
    if len(numbers) < len(operands):  # a plain number among them becomes a constant leaf
        operands = tuple(lift(x, "linear") for x in operands)
        numbers = [x.data for x in operands]
    return _result(LINEAR, operands, numbers)


def operation(node: Value) -> Op | None:
    """The row of the operation that made ``node``; None for a leaf.

    >>> a = Value(3.0)
    >>> operation(a * a).name, operation(a**2).name, operation(a)
    ('*', '**2', None)
    """
    return node._op if node._prev else None


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


def _chain_rule_unrolled(nodes: Iterator[Value]) -> None:
    """backward()'s chain rule, for nodes from the output back to the leaves:

        for node in nodes:
            for parent, local in zip(node.parents, node.local_derivatives()):
                parent.grad += local * node.grad

    spelled out for nodes with one or two parents (almost all), because calls
    are slow in Python. A node's gradient is complete (all paths summed) before
    it is passed on. ``backpropagate`` below is the same loop into a dictionary.
    """
    node = None
    try:
        for node in nodes:
            parents = node._prev
            if not parents:
                continue
            upstream = node.grad
            if len(parents) == 1:
                (a,) = parents
                (local_a,) = node._op.local(node.data, a.data)
                a.grad += local_a * upstream
            elif len(parents) == 2:
                a, b = parents
                local_a, local_b = node._op.local(node.data, a.data, b.data)
                a.grad += local_a * upstream
                b.grad += local_b * upstream
            else:
                local_derivatives = node._op.local(node.data, *[p.data for p in parents])
                for parent, local in zip(parents, local_derivatives):
                    parent.grad += local * upstream
    except ArithmeticError as error:
        raise errors.derivative_refused(node.op, node._prev, error) from None


def backpropagate(root: Value, seed=1.0, create_graph: bool = False, trace=None) -> dict:
    """The chain rule of backward() into a dictionary, {node: d(root)/d(node)};
    no ``.grad`` is touched. ``trace``, if given, sees every step.

    >>> a = Value(3.0)
    >>> backpropagate(a * a)[a]
    6.0
    """
    grads = {root: seed}
    for node in reversed(topological_order(root)):
        upstream = grads[node]  # complete: every path from the root summed
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
    seed, zero = (lift(1.0, "grad"), lift(0.0, "grad")) if create_graph else (1.0, 0.0)
    grads = backpropagate(output, seed, create_graph)
    return [grads.get(x, zero) for x in inputs]
