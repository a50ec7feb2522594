"""The engines under test, behind one small interface, and the phase timer.

Each engine runs each workload the way its users would write it: the chain
and the DAG with its scalar type's operators, the training step with its own
model class. Every run returns what the correctness check compares: the
output's value and the gradients of the leaves (inputs and parameters).
"""

from __future__ import annotations

import contextlib
import gc
import operator
import sys
import threading
import time
from importlib import metadata

import workloads
from workloads import CHAIN_START, L2_WEIGHT, LEARNING_RATE, build_chain


class GcClock:
    """Adds up the time Python's cyclic garbage collector runs (via gc.callbacks)."""

    def __init__(self):
        self.total = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


GC_CLOCK = GcClock()


class PhaseTimer:
    """Times consecutive phases of one run, and the GC time inside each.

    ``start()`` begins the first phase; ``lap(name)`` ends the current phase
    and begins the next; ``skip()`` drops the time since the last lap (for
    reading results out, which is not part of the workload).
    """

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.gc_seconds: dict[str, float] = {}
        self._time = self._gc = 0.0

    def start(self) -> None:
        self._time, self._gc = time.perf_counter(), GC_CLOCK.total

    skip = start

    def lap(self, phase: str) -> None:
        now, gc_now = time.perf_counter(), GC_CLOCK.total
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._time
        self.gc_seconds[phase] = self.gc_seconds.get(phase, 0.0) + gc_now - self._gc
        self._time, self._gc = now, gc_now


@contextlib.contextmanager
def recursion_limit(depth: int):
    """Temporarily allow ``depth`` nested Python calls (restored afterwards)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, depth))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def call_deeply(function, depth: int):
    """function() with room for ``depth`` nested calls, in a thread with a large
    C stack (before Python 3.11 every Python call also used the C stack)."""
    outcome = {}

    def run():
        try:
            with recursion_limit(depth):
                outcome["value"] = function()
        except BaseException as error:  # re-raised in the calling thread
            outcome["error"] = error

    old_size = threading.stack_size(1 << 30)
    try:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def micrograd_demo_loss(scores, labels, parameters):
    """The loss of micrograd's demo: mean SVM hinge loss + 1e-4 · Σ p²."""
    losses = [(1 + -y * score).relu() for y, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = L2_WEIGHT * sum(p * p for p in parameters)
    return data_loss + reg_loss


# The DAG's ops on any scalar type with Python operators and micrograd-style
# methods (ours, micrograd, PyTorch tensors). Unary ops ignore their second operand.
SCALAR_OPS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "neg": lambda x, _: -x,
    "relu": lambda x, _: x.relu(),
    "exp": lambda x, _: x.exp(),
    "log": lambda x, _: x.log(),
    "tanh": lambda x, _: x.tanh(),
    "sigmoid": lambda x, _: x.sigmoid(),
    "pow2": lambda x, _: x**2.0,
    "pow3": lambda x, _: x**3.0,
    "sqrt": lambda x, _: x**0.5,
    "reciprocal": lambda x, _: x**-1.0,
}


class Engine:
    """What the benchmark asks of every engine."""

    key = ""  # short name: ours, micrograd, torch, plain
    title = ""  # what the table shows
    ops: tuple[str, ...] = workloads.ALL_OPS  # the DAG ops it has

    @property
    def version(self) -> str:
        return ""

    def chain(self, constants, n_ops: int, timer: PhaseTimer) -> tuple:
        raise NotImplementedError

    def dag(self, plan: workloads.DagPlan, timer: PhaseTimer) -> tuple:
        raise NotImplementedError

    def training(self, layers: list[dict]):
        """A model loaded with ``layers``, with ``step(X, Y, timer, check)``."""
        raise NotImplementedError


class GraphEngine(Engine):
    """An engine whose scalars record a graph: ours, micrograd, PyTorch."""

    def leaf(self, x: float):
        raise NotImplementedError

    def value(self, node) -> float:
        return float(node.data)

    def grad(self, leaf) -> float:
        return float(leaf.grad)

    def backward(self, root, depth: int) -> None:
        """root.backward(); ``depth`` is the graph's depth, for engines that recurse."""
        root.backward()

    def chain(self, constants, n_ops, timer, allow_deep: bool = True):
        x0 = self.leaf(CHAIN_START)
        timer.start()
        out = build_chain(x0, constants, n_ops)
        timer.lap("forward")
        if allow_deep:
            self.backward(out, depth=n_ops)
        else:
            out.backward()
        timer.lap("backward")
        result = self.value(out), [self.grad(x0)]
        timer.skip()
        del out
        timer.lap("teardown")
        return result

    def dag(self, plan, timer):
        leaves = [self.leaf(x) for x in plan.inputs]
        nodes = list(leaves)
        append, functions = nodes.append, SCALAR_OPS
        timer.start()
        for op, a, b in plan.steps:
            append(functions[op](nodes[a], nodes[b]))
        timer.lap("forward")
        self.backward(nodes[-1], depth=plan.depth)
        timer.lap("backward")
        result = self.value(nodes[-1]), [self.grad(x) for x in leaves]
        timer.skip()
        del nodes
        timer.lap("teardown")
        return result


class GraphTraining:
    """The training step of micrograd's demo, for a graph engine's model."""

    def __init__(self, engine: GraphEngine, model, loss):
        self.engine, self.model, self.loss = engine, model, loss
        self.parameters = model.parameters()

    def zero_grad(self) -> None:
        self.model.zero_grad()

    def update(self) -> None:
        for p in self.parameters:
            p.data -= LEARNING_RATE * p.grad

    def step(self, X, Y, timer: PhaseTimer, check: bool = False):
        engine, model = self.engine, self.model
        timer.start()
        inputs = [[engine.leaf(a), engine.leaf(b)] for a, b in X]
        scores = [model(x) for x in inputs]
        loss = self.loss(scores, Y, self.parameters)
        timer.lap("forward")
        self.zero_grad()
        loss.backward()
        timer.lap("backward")
        result = None
        if check:
            result = (
                engine.value(loss),
                [engine.grad(p) for p in self.parameters],
                [engine.grad(x) for row in inputs for x in row],
            )
            timer.skip()
        self.update()
        timer.lap("update")
        del loss, scores, inputs
        timer.lap("teardown")
        return result


class Ours(GraphEngine):
    key, title = "ours", "scalar-autograd (ours)"

    def __init__(self):
        import autograd
        import autograd.nn

        self.autograd = autograd
        self.Value = autograd.Value

    @property
    def version(self) -> str:
        return self.autograd.__version__

    def leaf(self, x):
        return self.Value(x)

    def training(self, layers):
        from autograd.nn import MLP

        model = MLP(2, [16, 16, 1], seed=0)
        model.load_state_dict(layers)
        return GraphTraining(self, model, _our_loss)


def _our_loss(scores, labels, parameters):
    """Our library's hinge loss (what our users call), averaged, + 1e-4 · Σ p²."""
    from autograd.losses import hinge

    return hinge(scores, labels) + L2_WEIGHT * sum(p * p for p in parameters)


class Micrograd(GraphEngine):
    key, title = "micrograd", "micrograd"
    ops = workloads.BASIC_OPS  # no sub/div as nodes of their own, no exp/log/tanh/sigmoid

    def __init__(self):
        import micrograd.engine
        import micrograd.nn

        self.Value = micrograd.engine.Value
        self.nn = micrograd.nn

    @property
    def version(self) -> str:
        return metadata.version("micrograd")

    def leaf(self, x):
        return self.Value(x)

    def backward(self, root, depth):
        # micrograd sorts the graph recursively, one Python call per level: for
        # the timing, give deep graphs the room they need (the depth test does
        # not: it runs at the default limit).
        if depth + 100 > sys.getrecursionlimit():
            call_deeply(root.backward, depth + 1000)
        else:
            root.backward()

    def training(self, layers):
        model = self.nn.MLP(2, [16, 16, 1])
        for p, number in zip(model.parameters(), workloads.parameters_in_order(layers)):
            p.data = number
        return GraphTraining(self, model, micrograd_demo_loss)


class ScalarMLP:
    """micrograd's MLP for any scalar type with + * relu (here: PyTorch 0-d tensors)."""

    def __init__(self, layers: list[dict], parameter):
        self.layers = [
            [
                ([parameter(w) for w in row], parameter(b))
                for row, b in zip(lay["weights"], lay["biases"])
            ]
            for lay in layers
        ]

    def __call__(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = [sum((w * xi for w, xi in zip(weights, x)), bias) for weights, bias in layer]
            if i != last:
                x = [v.relu() for v in x]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for weights, bias in layer for p in (*weights, bias)]


class TorchTraining(GraphTraining):
    def zero_grad(self):
        for p in self.parameters:
            p.grad = None

    def update(self):
        with self.engine.torch.no_grad():
            for p in self.parameters:
                p -= LEARNING_RATE * p.grad


class Torch(GraphEngine):
    key, title = "torch", "PyTorch (0-d float64 tensors)"

    def __init__(self):
        import torch

        self.torch = torch

    @property
    def version(self) -> str:
        return self.torch.__version__

    def leaf(self, x):
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=True)

    def value(self, node):
        return node.item()

    def grad(self, leaf):
        return 0.0 if leaf.grad is None else leaf.grad.item()

    def training(self, layers):
        return TorchTraining(self, ScalarMLP(layers, self.leaf), micrograd_demo_loss)


class Plain(Engine):
    key, title = "plain", "plain Python floats"

    @property
    def version(self) -> str:
        return sys.version.split()[0]

    def chain(self, constants, n_ops, timer):
        return workloads.plain_chain(constants, n_ops, timer)

    def dag(self, plan, timer):
        return workloads.plain_dag(plan, timer)

    def training(self, layers):
        return PlainTraining(workloads.PlainMLP(layers))


class PlainTraining:
    def __init__(self, model: workloads.PlainMLP):
        self.model = model

    def step(self, X, Y, timer, check=False):
        result = self.model.training_step(X, Y, timer)
        timer.lap("teardown")  # nothing to free: keeps the phases the same for every engine
        return result if check else None


ENGINE_CLASSES = {"ours": Ours, "micrograd": Micrograd, "torch": Torch, "plain": Plain}


def load_engines(keys) -> tuple[list[Engine], dict[str, str]]:
    """The engines that import, and why the others were skipped."""
    engines, skipped = [], {}
    for key in keys:
        try:
            engines.append(ENGINE_CLASSES[key]())
        except ImportError as error:
            skipped[key] = f"not installed ({error})"
    return engines, skipped
