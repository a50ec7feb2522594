"""The benchmark's inputs, and the plain-Python floor.

Everything here is pure Python and seeded, so every engine sees the very same
numbers: the constants of the chain, the plan of the random DAG, the two-moons
points and the network's initial weights.

The plain-Python functions at the bottom do each workload by hand on floats: a
forward pass that keeps what the backward pass needs (a "tape"), then the
backward pass written out. They are the floor: no engine that builds a graph of
Python objects can beat them.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import random
from dataclasses import dataclass

# ---------------------------------------------------------------------------
# Workload 1: a long chain. One step is three operations, x ← relu(x·c + d).
# ---------------------------------------------------------------------------

CHAIN_START = 1.0


def chain_constants(n_ops: int, seed: int = 1) -> list[tuple[float, float]]:
    """The (c, d) pairs of a chain of ``n_ops`` operations.

    Steps come in pairs that nearly undo each other (c then 1/c, d then -d),
    so x stays close to 1 and relu never clips: a chain of a million steps
    neither overflows nor underflows, and d(output)/dx₀ stays of order 1.
    """
    rng = random.Random(seed)
    constants = []
    while 3 * len(constants) < n_ops:
        g, e = rng.uniform(-0.1, 0.1), rng.uniform(-0.05, 0.05)
        constants += [(math.exp(g), e), (math.exp(-g), -e)]
    return constants


def build_chain(x, constants: list[tuple[float, float]], n_ops: int):
    """``n_ops`` chained operations on x (any engine's scalar): mul, add, relu, mul, ..."""
    steps, extra = divmod(n_ops, 3)
    for c, d in constants[:steps]:
        x = (x * c + d).relu()
    if extra:
        c, d = constants[steps]
        x = x * c
        if extra == 2:
            x = x + d
    return x


# ---------------------------------------------------------------------------
# Workload 2: a random DAG with fan-out.
# ---------------------------------------------------------------------------

# Each op: its arity, and in plain floats its forward rule and local derivatives
# (given the operands x, y and the result r). The plan generator uses these to
# keep every value and every local derivative bounded; the plain-Python floor
# uses them for its forward and backward passes.
FLOAT_OPS = {
    "add": (2, operator.add, lambda x, y, r: (1.0, 1.0)),
    "sub": (2, operator.sub, lambda x, y, r: (1.0, -1.0)),
    "mul": (2, operator.mul, lambda x, y, r: (y, x)),
    "div": (2, operator.truediv, lambda x, y, r: (1.0 / y, -r / y)),
    "neg": (1, lambda x, _: -x, lambda x, y, r: (-1.0,)),
    "relu": (1, lambda x, _: x if x > 0 else 0.0, lambda x, y, r: (1.0 if x > 0 else 0.0,)),
    "exp": (1, lambda x, _: math.exp(x), lambda x, y, r: (r,)),
    "log": (1, lambda x, _: math.log(x), lambda x, y, r: (1.0 / x,)),
    "tanh": (1, lambda x, _: math.tanh(x), lambda x, y, r: (1.0 - r * r,)),
    "sigmoid": (1, lambda x, _: 1.0 / (1.0 + math.exp(-x)), lambda x, y, r: (r * (1.0 - r),)),
    "pow2": (1, lambda x, _: x**2.0, lambda x, y, r: (2.0 * x,)),
    "pow3": (1, lambda x, _: x**3.0, lambda x, y, r: (3.0 * x**2.0,)),
    "sqrt": (1, lambda x, _: x**0.5, lambda x, y, r: (0.5 * x**-0.5,)),  # x ** 0.5
    "reciprocal": (1, lambda x, _: x**-1.0, lambda x, y, r: (-1.0 * x**-2.0,)),  # x ** -1
}

BASIC_OPS = ("add", "mul", "relu")
ALL_OPS = tuple(FLOAT_OPS)

# Bounds that keep a 100,000-node DAG finite: every value is 0 (from relu) or
# between 1e-3 and 2 in magnitude, every local derivative at most 4.
SMALLEST, LARGEST, STEEPEST = 1e-3, 2.0, 4.0


@dataclass
class DagPlan:
    """A recipe every engine replays: leaf values, then one step per node.

    Node i < n_inputs is a leaf; node n_inputs + k is ``op(node a, node b)``
    for the k-th step (a, b) (b is ignored by unary ops). The output is the
    last node.
    """

    ops: tuple[str, ...]
    inputs: list[float]
    steps: list[tuple[str, int, int]]
    values: list[float]  # every node's value in plain floats, as generated

    @property
    def n_ops(self) -> int:
        return len(self.steps)

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for op, _, _ in self.steps:
            counts[op] = counts.get(op, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: -item[1]))

    @functools.cached_property
    def depth(self) -> int:
        """The longest path from a leaf to the output, in operations."""
        depths = [0] * len(self.inputs)
        for op, a, b in self.steps:
            parents_depth = max(depths[a], depths[b]) if FLOAT_OPS[op][0] == 2 else depths[a]
            depths.append(parents_depth + 1)
        return depths[-1]


def dag_plan(ops: tuple[str, ...], n_ops: int, n_inputs: int = 1000, seed: int = 2) -> DagPlan:
    """A seeded random DAG of exactly ``n_ops`` operations over ``n_inputs`` leaves.

    Every new node applies a random op to two earlier nodes:

    - the first operand is drawn from the *pool* of nodes no later node has
      used as a first operand yet (it then leaves the pool, the new node
      joins it), so every node lies on a path to the output;
    - the second is any earlier node, uniformly: fan-out (early nodes feed
      many later ones).

    An op is kept only if its result and local derivatives stay within the
    bounds above (else another op is drawn; relu always fits). At the end the
    pool is summed pairwise (a tree of adds, so the graph stays shallow) into
    the output.
    """
    rng = random.Random(seed)
    values = [rng.choice((-1, 1)) * rng.uniform(0.1, LARGEST) for _ in range(n_inputs)]
    inputs = list(values)
    pool = list(range(n_inputs))
    steps: list[tuple[str, int, int]] = []
    n_random = n_ops - (n_inputs - 1)  # the final sum takes n_inputs - 1 adds
    for _ in range(n_random):
        slot = rng.randrange(len(pool))
        a, b = pool[slot], rng.randrange(len(values))
        op, result = _bounded_op(ops, values[a], values[b], rng)
        steps.append((op, a, b))
        values.append(result)
        pool[slot] = len(values) - 1
    while len(pool) > 1:  # the output: the pool summed pairwise
        pairs, pool = pool, []
        for a, b in zip(pairs[::2], pairs[1::2]):
            steps.append(("add", a, b))
            values.append(values[a] + values[b])
            pool.append(len(values) - 1)
        if len(pairs) % 2:
            pool.append(pairs[-1])
    return DagPlan(ops, inputs, steps, values)


def _bounded_op(ops: tuple[str, ...], x: float, y: float, rng: random.Random):
    for _ in range(20):
        op = rng.choice(ops)
        result = _try_op(op, x, y)
        if result is not None:
            return op, result
    return "relu", FLOAT_OPS["relu"][1](x, y)


def _try_op(op: str, x: float, y: float) -> float | None:
    """op(x, y) if the result and the local derivatives are within bounds."""
    _, forward, local = FLOAT_OPS[op]
    if op == "relu":
        return forward(x, y)  # x or 0: always within bounds
    try:
        result = forward(x, y)
        derivatives = local(x, y, result)
    except (ArithmeticError, ValueError):  # log of x ≤ 0, 0 ** -1, overflow
        return None
    if isinstance(result, complex) or not SMALLEST <= abs(result) <= LARGEST:
        return None  # (a negative number to the power 0.5 is complex in Python)
    if any(abs(d) > STEEPEST for d in derivatives):
        return None
    return result


# ---------------------------------------------------------------------------
# Workload 3: one training step of micrograd's demo.
# ---------------------------------------------------------------------------

MLP_SIZES = (2, 16, 16, 1)  # MLP(2, [16, 16, 1])
N_POINTS = 100
L2_WEIGHT = 1e-4
LEARNING_RATE = 0.1


def two_moons(n: int = N_POINTS, noise: float = 0.1, seed: int = 3):
    """n points on two interleaving half circles, labels -1 / +1 (pure Python)."""
    rng = random.Random(seed)
    n_upper = n // 2
    points = []
    for i in range(n):
        upper = i < n_upper
        count = n_upper if upper else n - n_upper
        t = math.pi * (i if upper else i - n_upper) / max(count - 1, 1)
        if upper:
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        points.append(([x + rng.gauss(0, noise), y + rng.gauss(0, noise)], label))
    rng.shuffle(points)
    return [p for p, _ in points], [label for _, label in points]


def initial_weights(sizes=MLP_SIZES, seed: int = 4) -> list[dict]:
    """The network's starting point, one ``{"weights": rows, "biases": list}``
    per layer (the layout of ``autograd.nn.MLP.state_dict()``); every engine's
    model is loaded from it."""
    rng = random.Random(seed)
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        rows = [[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)]
        biases = [rng.uniform(-0.1, 0.1) for _ in range(n_out)]
        layers.append({"weights": rows, "biases": biases})
    return layers


def parameters_in_order(layers: list[dict]) -> list[float]:
    """The weights of ``initial_weights`` in micrograd's order: per neuron, its
    weights then its bias."""
    return [
        number
        for layer in layers
        for row, bias in zip(layer["weights"], layer["biases"])
        for number in (*row, bias)
    ]


def training_step_op_count(sizes=MLP_SIZES, n_points: int = N_POINTS) -> int:
    """The scalar operations of one step as micrograd writes it: the same count
    for every engine, whatever nodes it actually builds.

    A neuron with n inputs: n multiplies and n adds (sum(w·x, start=b)), plus
    a relu in hidden layers. The loss: per point a multiply, an add and a
    relu (relu(1 + -y·score)); the sum of the points' losses (n adds, from
    0) and a multiply by 1/n; the L2 term: p·p and an add per parameter, and a
    multiply by 1e-4; one add for data loss + L2.
    """
    per_point = 0
    n_parameters = 0
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        hidden = i < len(sizes) - 2
        per_point += n_out * (2 * n_in + (1 if hidden else 0))
        n_parameters += n_out * (n_in + 1)
    loss = 3 * n_points + n_points + 1 + 2 * n_parameters + 1 + 1
    return per_point * n_points + loss


# ---------------------------------------------------------------------------
# The plain-Python floor: each workload by hand, on floats.
# ---------------------------------------------------------------------------


def plain_chain(constants: list[tuple[float, float]], n_ops: int, timer) -> tuple:
    """The chain by hand. Returns (output, [d output / d x₀])."""
    steps, extra = divmod(n_ops, 3)
    timer.start()
    x = CHAIN_START
    pre_relu = []  # the tape: what relu's derivative needs
    for c, d in constants[:steps]:
        x = x * c + d
        pre_relu.append(x)
        x = x if x > 0 else 0.0
    if extra:
        c, d = constants[steps]
        x = x * c
        if extra == 2:
            x = x + d
    timer.lap("forward")
    grad = constants[steps][0] if extra else 1.0  # d(x·c)/dx = c; d(x + d)/dx = 1
    for (c, _), z in zip(reversed(constants[:steps]), reversed(pre_relu)):
        grad = grad * c if z > 0 else 0.0
    timer.lap("backward")
    del pre_relu
    timer.lap("teardown")
    return x, [grad]


def plain_dag(plan: DagPlan, timer) -> tuple:
    """The DAG by hand: replay the plan on floats, then the chain rule backwards
    over the same list, each op's derivative written out. Returns
    (output, [d output / d leaf for each leaf])."""
    forward_of = {op: forward for op, (_, forward, _) in FLOAT_OPS.items()}
    steps, first = plan.steps, len(plan.inputs)
    timer.start()
    values = list(plan.inputs)
    append = values.append
    for op, a, b in steps:
        append(forward_of[op](values[a], values[b]))
    timer.lap("forward")
    grads = [0.0] * len(values)
    grads[-1] = 1.0
    for k in range(len(steps) - 1, -1, -1):
        op, a, b = steps[k]
        g, x, out = grads[first + k], values[a], values[first + k]
        if op == "add":
            grads[a] += g
            grads[b] += g
        elif op == "mul":
            grads[a] += g * values[b]
            grads[b] += g * x
        elif op == "relu":
            if x > 0:
                grads[a] += g
        elif op == "sub":
            grads[a] += g
            grads[b] -= g
        elif op == "div":
            grads[a] += g / values[b]
            grads[b] -= g * out / values[b]
        elif op == "neg":
            grads[a] -= g
        elif op == "exp":
            grads[a] += g * out
        elif op == "log":
            grads[a] += g / x
        elif op == "tanh":
            grads[a] += g * (1.0 - out * out)
        elif op == "sigmoid":
            grads[a] += g * out * (1.0 - out)
        elif op == "pow2":
            grads[a] += g * 2.0 * x
        elif op == "pow3":
            grads[a] += g * 3.0 * x * x
        elif op == "sqrt":
            grads[a] += g * 0.5 / out
        elif op == "reciprocal":
            grads[a] -= g * out * out
        else:
            raise ValueError(f"plain_dag: unknown op {op!r}")
    timer.lap("backward")
    output, leaf_grads = values[-1], grads[:first]
    del values, grads
    timer.lap("teardown")
    return output, leaf_grads


class PlainMLP:
    """micrograd's MLP written by hand on floats: forward, backward, SGD."""

    def __init__(self, layers: list[dict]):
        self.weights = [[list(row) for row in layer["weights"]] for layer in layers]
        self.biases = [list(layer["biases"]) for layer in layers]

    def parameters(self) -> list[float]:
        return [
            number
            for rows, biases in zip(self.weights, self.biases)
            for row, bias in zip(rows, biases)
            for number in (*row, bias)
        ]

    def training_step(self, X, Y, timer) -> tuple:
        """One step; returns (loss, parameter gradients, input gradients)."""
        weights, biases = self.weights, self.biases
        last = len(weights) - 1
        timer.start()
        # Forward: keep every layer's input and pre-activation for the backward pass.
        tapes, scores = [], []
        for x in X:
            activations, pre_activations = [x], []
            for layer, (rows, layer_biases) in enumerate(zip(weights, biases)):
                h = activations[-1]
                z = []
                for row, bias in zip(rows, layer_biases):
                    s = bias
                    for w, a in zip(row, h):
                        s += w * a
                    z.append(s)
                pre_activations.append(z)
                activations.append(z if layer == last else [v if v > 0 else 0.0 for v in z])
            tapes.append((activations, pre_activations))
            scores.append(activations[-1][0])
        margins = [1.0 + -y * s for y, s in zip(Y, scores)]
        data_loss = sum(m if m > 0 else 0.0 for m in margins) * (1.0 / len(X))
        parameters = self.parameters()
        loss = data_loss + L2_WEIGHT * sum(p * p for p in parameters)
        timer.lap("forward")
        # Backward.
        weight_grads = [[[0.0] * len(row) for row in rows] for rows in weights]
        bias_grads = [[0.0] * len(b) for b in biases]
        input_grads = []
        mean = 1.0 / len(X)
        for (activations, pre_activations), y, m in zip(tapes, Y, margins):
            upstream = [-y * mean if m > 0 else 0.0]  # d loss / d score
            for layer in range(last, -1, -1):
                if layer != last:  # through the relu
                    z = pre_activations[layer]
                    upstream = [g if v > 0 else 0.0 for g, v in zip(upstream, z)]
                h = activations[layer]
                rows, row_grads, b_grads = weights[layer], weight_grads[layer], bias_grads[layer]
                below = [0.0] * len(h)
                for j, g in enumerate(upstream):
                    b_grads[j] += g
                    row, row_grad = rows[j], row_grads[j]
                    for i, a in enumerate(h):
                        row_grad[i] += g * a
                        below[i] += g * row[i]
                upstream = below
            input_grads.append(upstream)
        timer.lap("backward")
        # The L2 term, then SGD.
        gradients = []
        for rows, row_grads, layer_biases, b_grads in zip(
            weights, weight_grads, biases, bias_grads
        ):
            for j, (row, row_grad) in enumerate(zip(rows, row_grads)):
                for i, w in enumerate(row):
                    g = row_grad[i] + 2.0 * L2_WEIGHT * w
                    row[i] = w - LEARNING_RATE * g
                    gradients.append(g)
                g = b_grads[j] + 2.0 * L2_WEIGHT * layer_biases[j]
                layer_biases[j] -= LEARNING_RATE * g
                gradients.append(g)
        del tapes
        timer.lap("update")
        return loss, gradients, [g for grads in input_grads for g in grads]
