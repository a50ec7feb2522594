"""Neurons, layers and MLPs: the classroom networks first (hand-derived
gradients, the classic numeric walk-through, PyTorch cross-checks), then
micrograd compatibility, then saving, loading and the errors."""

import contextlib
import io
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import autograd.nn as nn_module
from autograd import Value, grad
from autograd.nn import (
    MLP,
    Layer,
    Neuron,
    StateDictError,
    binary_cross_entropy,
    mse,
)
from autograd.optim import SGD


def sigmoid_net(state):
    """A 2-2-2 network with sigmoid on both layers and the given weights."""
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")
    model.load_state_dict(state)
    return model


def random_state(model, rng, scale=2.0):
    """A state for ``model`` with every number uniform in (-scale, scale)."""
    return [
        {
            "weights": [
                [rng.uniform(-scale, scale) for _ in range(layer.nin)] for _ in layer.neurons
            ],
            "biases": [rng.uniform(-scale, scale) for _ in layer.neurons],
        }
        for layer in model.layers
    ]


# Worked example 3: a 2-2-2 sigmoid network with cross-entropy.


@pytest.mark.parametrize("seed", range(8))
def test_cross_entropy_network_gradients_equal_the_hand_derived_formulas(seed):
    rng = random.Random(seed)
    w1, w2, w3, w4, w5, w6, w7, w8 = (rng.uniform(-2, 2) for _ in range(8))
    b1, b2, b3, b4 = (rng.uniform(-2, 2) for _ in range(4))
    x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
    y1, y2 = rng.choice([0.0, 1.0]), rng.random()  # a hard label and a soft one
    model = sigmoid_net(
        [
            {"weights": [[w1, w2], [w3, w4]], "biases": [b1, b2]},
            {"weights": [[w5, w6], [w7, w8]], "biases": [b3, b4]},
        ]
    )
    hidden, output = model.layers
    a1, a2 = hidden([x1, x2])
    p1, p2 = output([a1, a2])
    E = binary_cross_entropy([p1, p2], [y1, y2], reduction="sum")  # E = E1 + E2
    E.backward()

    w1_node, w5_node = hidden.neurons[0].w[0], output.neurons[0].w[0]
    assert w5_node.grad == pytest.approx((p1.data - y1) * a1.data, abs=1e-12)
    dE_da1 = (p1.data - y1) * w5 + (p2.data - y2) * w7  # two paths: through z3 and z4
    assert a1.grad == pytest.approx(dE_da1, abs=1e-12)
    assert w1_node.grad == pytest.approx(dE_da1 * a1.data * (1 - a1.data) * x1, abs=1e-12)


def test_engine_gradients_equal_the_deltas_of_backprop_in_matrix_form():
    # Worked example 5: δ_L = a_L - y (cross-entropy on sigmoid outputs),
    # δ_l = σ'(z_l) ⊙ (W_{l+1}ᵀ δ_{l+1}), ∂J/∂w_ij = a_i·δ_j, ∂J/∂b_j = δ_j.
    model = MLP(2, [3, 2, 2], activation="sigmoid", output_activation="sigmoid", seed=2)
    model.load_state_dict(random_state(model, random.Random(2)))
    x, y = [0.5, 0.1], [1.0, 0.0]
    binary_cross_entropy(model(x), y, reduction="sum").backward()

    state = model.state_dict()
    activations = [x]  # a_0 = x, then each layer's output, in plain floats
    for layer in state:
        z = [
            sum(w * a for w, a in zip(row, activations[-1], strict=True)) + b
            for row, b in zip(layer["weights"], layer["biases"], strict=True)
        ]
        activations.append([1 / (1 + math.exp(-v)) for v in z])
    delta = [a - t for a, t in zip(activations[-1], y, strict=True)]
    for index in reversed(range(len(state))):
        neurons = model.layers[index].neurons
        for j, neuron in enumerate(neurons):
            assert neuron.b.grad == pytest.approx(delta[j], abs=1e-14)
            for i, w in enumerate(neuron.w):
                assert w.grad == pytest.approx(activations[index][i] * delta[j], abs=1e-14)
        if index > 0:
            weights, a = state[index]["weights"], activations[index]
            delta = [
                a[i] * (1 - a[i]) * sum(weights[j][i] * delta[j] for j in range(len(delta)))
                for i in range(len(a))
            ]


# Worked example 4: the classic numeric walk-through (sigmoid, squared error).

CLASSIC_STATE = [
    {"weights": [[0.15, 0.20], [0.25, 0.30]], "biases": [0.35, 0.35]},
    {"weights": [[0.40, 0.45], [0.50, 0.55]], "biases": [0.60, 0.60]},
]


def test_classic_walk_through_numbers():
    model = sigmoid_net(CLASSIC_STATE)
    o1, o2 = model([0.05, 0.10])
    # mse averages over the 2 outputs: Σ (t - o)² / 2 = Σ ½(t - o)², the classic E.
    E = mse([o1, o2], [0.01, 0.99])
    E.backward()
    assert round(o1.data, 8) == 0.75136507
    assert round(o2.data, 9) == 0.772928465
    assert round(E.data, 9) == 0.298371109
    w5 = model.layers[1].neurons[0].w[0]  # from h1 to o1
    assert w5.data == 0.40
    assert round(w5.grad, 9) == 0.082167041

    SGD(model.parameters(), lr=0.5).step()  # the walk-through's update, η = 0.5
    hidden, output = model.state_dict()
    assert [round(w, 9) for row in output["weights"] for w in row] == [
        0.35891648,
        0.408666186,
        0.51130127,
        0.561370121,
    ]
    assert [round(w, 8) for row in hidden["weights"] for w in row] == [
        0.14978072,
        0.19956143,
        0.24975114,
        0.29950229,
    ]


# PyTorch builds the same networks from nn.Linear and nn.Sigmoid.


def torch_copy(model, torch):
    """The same MLP in PyTorch (float64), with the weights copied in."""
    activations = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    modules = []
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        state = layer.state_dict()
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(state["weights"], dtype=torch.float64))
            linear.bias.copy_(torch.tensor(state["biases"], dtype=torch.float64))
        modules.append(linear)
        name = model.output_activation if i == len(model.layers) - 1 else model.activation
        if name in activations:
            modules.append(activations[name]())
    return torch.nn.Sequential(*modules)


def torch_gradients(torch_model):
    """Our state_dict layout, filled with PyTorch's gradients."""
    linears = [m for m in torch_model if m.__class__.__name__ == "Linear"]
    return [{"weights": m.weight.grad.tolist(), "biases": m.bias.grad.tolist()} for m in linears]


def our_gradients(model):
    return [
        {
            "weights": [[w.grad for w in neuron.w] for neuron in layer.neurons],
            "biases": [neuron.b.grad for neuron in layer.neurons],
        }
        for layer in model.layers
    ]


def assert_nested_close(ours, theirs, tol=1e-12):
    if isinstance(ours, dict):
        assert ours.keys() == theirs.keys()
        for key in ours:
            assert_nested_close(ours[key], theirs[key], tol)
    elif isinstance(ours, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert_nested_close(a, b, tol)
    else:
        assert ours == pytest.approx(theirs, rel=tol, abs=tol)


@pytest.mark.parametrize("seed", range(4))
def test_cross_entropy_network_matches_pytorch(seed):
    torch = pytest.importorskip("torch")
    rng = random.Random(seed)
    model = sigmoid_net(random_state(MLP(2, [2, 2]), rng))
    x, y = [rng.uniform(-1, 1), rng.uniform(-1, 1)], [1.0, 0.0]
    E = binary_cross_entropy(model(x), y, reduction="sum")
    E.backward()

    reference = torch_copy(model, torch)
    p = reference(torch.tensor(x, dtype=torch.float64))
    E_torch = torch.nn.functional.binary_cross_entropy(
        p, torch.tensor(y, dtype=torch.float64), reduction="sum"
    )
    E_torch.backward()
    assert E.data == pytest.approx(E_torch.item(), rel=1e-12)
    assert_nested_close(our_gradients(model), torch_gradients(reference))


def test_classic_walk_through_matches_pytorch():
    torch = pytest.importorskip("torch")
    model = sigmoid_net(CLASSIC_STATE)
    outputs = model([0.05, 0.10])
    E = mse(outputs, [0.01, 0.99])
    E.backward()

    reference = torch_copy(model, torch)
    outputs_torch = reference(torch.tensor([0.05, 0.10], dtype=torch.float64))
    E_torch = torch.nn.functional.mse_loss(
        outputs_torch, torch.tensor([0.01, 0.99], dtype=torch.float64)
    )
    E_torch.backward()
    assert [o.data for o in outputs] == pytest.approx(outputs_torch.tolist(), rel=1e-14)
    assert E.data == pytest.approx(E_torch.item(), rel=1e-14)
    assert_nested_close(our_gradients(model), torch_gradients(reference))


# Worked example 5: a 2-3-2-2 sigmoid network, MSE, SGD with lr 0.01, on three
# points whose targets (up to 123) a sigmoid output can never reach.
THREE_POINTS = [[0.5, 0.1], [0.05, 0.18], [0.05, 0.31]]
THREE_TARGETS = [[1.0, 2.0], [0.0, 3.0], [1.0, 123.0]]


def test_2_3_2_2_mse_network_trains_like_pytorch():
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 2, 2], activation="sigmoid", output_activation="sigmoid", seed=5)
    reference = torch_copy(model, torch)
    optimizer = SGD(model.parameters(), lr=0.01)
    optimizer_torch = torch.optim.SGD(reference.parameters(), lr=0.01)
    X_torch = torch.tensor(THREE_POINTS, dtype=torch.float64)
    Y_torch = torch.tensor(THREE_TARGETS, dtype=torch.float64)
    for step in range(5):
        optimizer.zero_grad()
        loss = mse([model(x) for x in THREE_POINTS], THREE_TARGETS)
        loss.backward()
        optimizer_torch.zero_grad()
        loss_torch = torch.nn.functional.mse_loss(reference(X_torch), Y_torch)
        loss_torch.backward()
        assert loss.data == pytest.approx(loss_torch.item(), rel=1e-12), f"step {step}"
        assert_nested_close(our_gradients(model), torch_gradients(reference))
        optimizer.step()
        optimizer_torch.step()
    assert_nested_close(model.state_dict(), torch_gradients_as_state(reference))
    # The outputs saturate towards 1, far from targets like 123: the loss stays huge.
    assert loss.data > 2000


def torch_gradients_as_state(torch_model):
    linears = [m for m in torch_model if m.__class__.__name__ == "Linear"]
    return [{"weights": m.weight.tolist(), "biases": m.bias.tolist()} for m in linears]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_values_and_gradients_match_pytorch_for_each_activation(activation):
    torch = pytest.importorskip("torch")
    model = MLP(3, [5, 4, 2], activation=activation, seed=11)
    x = [Value(0.3), Value(-1.2), Value(0.8)]
    outputs = model(x)
    loss = outputs[0] * outputs[0] + 3 * outputs[1]
    loss.backward()

    reference = torch_copy(model, torch)
    x_torch = torch.tensor([0.3, -1.2, 0.8], dtype=torch.float64, requires_grad=True)
    out_torch = reference(x_torch)
    (out_torch[0] ** 2 + 3 * out_torch[1]).backward()
    assert [o.data for o in outputs] == pytest.approx(out_torch.tolist(), rel=1e-12)
    assert_nested_close(our_gradients(model), torch_gradients(reference))
    assert [v.grad for v in x] == pytest.approx(x_torch.grad.tolist(), rel=1e-12, abs=1e-15)


# micrograd compatibility: its demo, ported by changing only its imports
# (tests/micrograd_demo.py), prints micrograd's numbers.

MICROGRAD_DEMO = Path(__file__).with_name("micrograd_demo.txt")  # micrograd 0.1.0's output
DEMO_LINE = re.compile(r"step (\d+) loss (\S+), accuracy (\S+)%")


def demo_steps(printed):
    return [(int(k), float(loss), float(acc)) for k, loss, acc in DEMO_LINE.findall(printed)]


@pytest.fixture(scope="module")
def our_demo():
    """What micrograd's demo prints with this engine (100 training steps: seconds)."""
    pytest.importorskip("sklearn")
    from micrograd_demo import demo

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        demo()
    return printed.getvalue()


def test_micrograd_demo_prints_micrograds_losses_and_accuracies(our_demo):
    ours, micrograds = demo_steps(our_demo), demo_steps(MICROGRAD_DEMO.read_text())
    assert [step[0] for step in ours] == [step[0] for step in micrograds] == list(range(100))
    # The same weights, data and sums in the same order: the first loss is the same float.
    assert ours[0][1] == micrograds[0][1] == 0.8958441028683222
    for (k, loss, accuracy), (_, their_loss, their_accuracy) in zip(ours, micrograds):
        assert accuracy == their_accuracy, f"step {k}"
        # Gradients are sums, and their order differs: micrograd keeps parents
        # in a set, so its order follows memory addresses and its own runs
        # differ by up to 1e-14 (measured: 9e-15; this engine vs micrograd: 4e-15).
        assert loss == pytest.approx(their_loss, rel=1e-12, abs=0), f"step {k}"
    assert ours[-1][1:] == pytest.approx((0.0109784, 100.0), rel=1e-5)


def test_readme_quotes_the_demos_last_line_from_both_engines(our_demo):
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert our_demo.splitlines()[-1] in readme
    assert MICROGRAD_DEMO.read_text().splitlines()[-1] in readme


def test_without_seed_weights_come_from_pythons_random_as_in_micrograd():
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    # micrograd's Neuron: Value(random.uniform(-1, 1)) per input, then Value(0).
    random.seed(1337)
    expected = [
        {"weights": [random.uniform(-1, 1) for _ in range(nin)], "bias": 0.0}
        for nin, nout in [(2, 16), (16, 16), (16, 1)]
        for _ in range(nout)
    ]
    assert [neuron.state_dict() for layer in model.layers for neuron in layer.neurons] == expected


def test_random_seed_governs_models_without_seed_and_seeded_ones_leave_it_alone():
    random.seed(7)
    first = MLP(2, [4, 1]).state_dict()
    random.seed(7)
    assert MLP(2, [4, 1]).state_dict() == first
    random.seed(7)
    expected = random.random()
    random.seed(7)
    MLP(2, [4, 1], seed=3)
    Layer(2, 3, rng=random.Random(1))
    assert random.random() == expected


def test_parameters_in_micrograd_order():
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    assert len(params) == 337
    first = model.layers[0].neurons[0]
    assert params[:3] == [*first.w, first.b]  # each neuron: its weights, then its bias
    assert params[-1] is model.layers[-1].neurons[-1].b


def test_inputs_may_be_floats_ints_or_values():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    from_floats = model([0.5, 2.0]).data
    assert model([Value(0.5), Value(2.0)]).data == from_floats
    assert model((0.5, 2)).data == from_floats


def test_single_output_is_a_value_several_outputs_a_list():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    outputs = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(outputs, list)
    assert len(outputs) == 2


# Width-1 layers (micrograd's MLP crashes on them).


def test_width_one_layers_everywhere():
    torch = pytest.importorskip("torch")
    model = MLP(1, [1, 1, 1], activation="tanh", seed=3)
    x = Value(0.7)
    out = model(x)  # a lone input is fine when nin is 1
    assert isinstance(out, Value)
    assert model([0.7]).data == out.data
    out.backward()

    reference = torch_copy(model, torch)
    x_torch = torch.tensor([0.7], dtype=torch.float64, requires_grad=True)
    out_torch = reference(x_torch)
    out_torch.backward()
    assert out.data == pytest.approx(out_torch.item(), rel=1e-14)
    assert_nested_close(our_gradients(model), torch_gradients(reference))
    assert x.grad == pytest.approx(x_torch.grad.item(), rel=1e-12)


def test_width_one_hidden_layer_by_hand():
    model = MLP(2, [1, 2], activation="sigmoid", seed=0)
    model.load_state_dict(
        [
            {"weights": [[1.0, -1.0]], "biases": [0.5]},
            {"weights": [[2.0], [-3.0]], "biases": [0.0, 1.0]},
        ]
    )
    h = 1 / (1 + math.exp(-(1.0 * 3.0 - 1.0 * 1.0 + 0.5)))
    assert [o.data for o in model([3.0, 1.0])] == pytest.approx([2 * h, -3 * h + 1])


# fused=False: the same neuron, one * and one + per input, for drawing.


def test_fused_and_unfused_give_identical_values_and_gradients():
    fused = MLP(3, [4, 4, 2], activation="tanh", output_activation="sigmoid", seed=7)
    unfused = MLP(3, [4, 4, 2], activation="tanh", output_activation="sigmoid", seed=7, fused=False)
    assert fused.state_dict() == unfused.state_dict()
    results = []
    for model in (fused, unfused):
        x = [Value(0.4), Value(-0.9), Value(1.7)]
        a, b = model(x)
        loss = a * b + b.log()
        loss.backward()
        results.append((loss.data, [p.grad for p in model.parameters()], [v.grad for v in x]))
    assert results[0] == results[1]  # exactly, not approximately


def test_unfused_neuron_is_built_from_elementary_operations():
    neuron = Neuron(2, activation="sigmoid", fused=False, seed=0)
    out = neuron([1.0, 2.0])
    assert out.op == "sigmoid"
    ops = sorted(node.op for node in _nodes(out) if node.parents)
    assert ops == ["*", "*", "+", "+", "sigmoid"]
    fused_ops = sorted(node.op for node in _nodes(Neuron(2, seed=0)([1.0, 2.0])) if node.parents)
    assert fused_ops == ["linear", "relu"]


def _nodes(root):
    from autograd import topological_order

    return topological_order(root)


# Construction: seeds, initialisation, repr.


def test_same_seed_same_model_different_seed_different_model():
    assert MLP(2, [4, 1], seed=0).state_dict() == MLP(2, [4, 1], seed=0).state_dict()
    assert MLP(2, [4, 1], seed=0).state_dict() != MLP(2, [4, 1], seed=1).state_dict()
    assert MLP(2, [4, 1]).state_dict() != MLP(2, [4, 1]).state_dict()


def test_seed_gives_the_same_numbers_on_every_machine():
    # random.Random(0) is the Mersenne Twister: the same stream everywhere.
    rng = random.Random(0)
    weights = [rng.uniform(-1, 1) for _ in range(2)]
    assert Neuron(2, seed=0).state_dict() == {"weights": weights, "bias": 0.0}
    limit = 1 / math.sqrt(2)
    rng = random.Random(0)
    weights, bias = [rng.uniform(-limit, limit) for _ in range(2)], rng.uniform(-limit, limit)
    assert Neuron(2, seed=0, init="scaled").state_dict() == {"weights": weights, "bias": bias}


def test_micrograd_init_draws_weights_in_plus_minus_one_with_zero_biases():
    model = MLP(64, [16, 1], seed=0)
    weights = [w.data for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    assert max(abs(w) for w in weights) < 1
    assert max(abs(w) for w in weights) > 0.99  # spread over the whole range
    assert all(neuron.b.data == 0.0 for layer in model.layers for neuron in layer.neurons)


def test_scaled_init_is_scaled_by_the_number_of_inputs():
    model = MLP(64, [16, 1], seed=0, init="scaled")
    for layer in model.layers:
        limit = 1 / math.sqrt(layer.nin)
        values = [p.data for p in layer.parameters()]
        assert max(abs(v) for v in values) <= limit
        assert max(abs(v) for v in values) > 0.8 * limit  # spread over the whole range
        assert all(neuron.b.data != 0.0 for neuron in layer.neurons)  # biases random too


def test_unknown_init():
    with pytest.raises(
        ValueError, match=r"unknown init 'kaiming'; choose one of 'micrograd', 'scaled'"
    ):
        MLP(2, [3, 1], init="kaiming")


def test_rng_argument_is_used():
    a = Layer(2, 3, rng=random.Random(4))
    b = Layer(2, 3, seed=4)
    assert a.state_dict() == b.state_dict()


def test_repr():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2, [16, 16, 1], activation='relu')"
    assert (
        repr(MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", fused=False))
        == "MLP(2, [3, 2], activation='tanh', output_activation='sigmoid', fused=False)"
    )
    assert repr(Layer(2, 3, activation=None)) == "Layer(2, 3, activation=None)"
    assert repr(Neuron(5)) == "Neuron(5)"


def test_zero_grad():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_layer_from_weights():
    layer = Layer.from_weights([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]], [0.5, -0.5], activation=None)
    assert (layer.nin, layer.nout) == (3, 2)
    assert [o.data for o in layer([1.0, 1.0, 2.0])] == [9.5, -0.5]


def test_neuron_gradient_with_respect_to_inputs():
    neuron = Neuron(2, activation="tanh", seed=0)
    neuron.load_state_dict({"weights": [0.5, -1.5], "bias": 0.1})
    x1, x2 = Value(0.3), Value(0.2)
    d1, d2 = grad(neuron([x1, x2]), [x1, x2])
    slope = 1 - math.tanh(0.5 * 0.3 - 1.5 * 0.2 + 0.1) ** 2
    assert (d1, d2) == pytest.approx((0.5 * slope, -1.5 * slope), rel=1e-15)


# Errors that teach.


@pytest.mark.parametrize(
    ("module", "x", "message"),
    [
        (MLP(2, [3, 1], seed=0), [1.0, 2.0, 3.0], r"MLP\(2, \[3, 1\].*takes 2 inputs, got 3"),
        (MLP(3, [1], seed=0), [1.0], "takes 3 inputs, got 1"),
        (MLP(2, [1], seed=0), 1.0, "takes 2 inputs, got 1"),
        (Layer(4, 2, seed=0), [1.0], r"Layer\(4, 2\) takes 4 inputs, got 1"),
        (Neuron(2, seed=0), [], r"Neuron\(2\) takes 2 inputs, got 0"),
    ],
)
def test_wrong_number_of_inputs(module, x, message):
    with pytest.raises(ValueError, match=message):
        module(x)


def test_unknown_activation():
    with pytest.raises(ValueError, match=r"unknown activation 'softplus'.*'relu', 'tanh'"):
        MLP(2, [3, 1], activation="softplus")
    with pytest.raises(ValueError, match="unknown activation 'Sigmoid'"):
        Neuron(2, activation="Sigmoid")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, [3]), r"nin .* positive whole number, got 0"),
        ((2.5, [3]), "got 2.5"),
        ((2, []), r"non-empty list of layer widths.*got \[\]"),
        ((2, 3), "non-empty list of layer widths"),
        ((2, [3, 0]), r"sizes\[1\] .* got 0"),
        ((2, [3, -1]), r"sizes\[1\] .* got -1"),
    ],
)
def test_bad_shapes(args, message):
    with pytest.raises(ValueError, match=message):
        MLP(*args)


def test_seed_and_rng_together_is_an_error():
    with pytest.raises(ValueError, match="rng or seed, not both"):
        Layer(2, 2, seed=1, rng=random.Random(1))


# state_dict, load_state_dict, save and load.


def test_state_dict_is_json_and_round_trips():
    model = MLP(2, [3, 2], seed=0)
    state = json.loads(json.dumps(model.state_dict()))
    copy = MLP(2, [3, 2], seed=1)
    copy.load_state_dict(state)
    assert copy.state_dict() == model.state_dict()
    assert copy([0.3, -0.7])[1].data == model([0.3, -0.7])[1].data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.pop(), r"state should be a list of 2 layers .* got a list of 1"),
        (
            lambda s: s[1]["weights"].pop(),
            r"state\[1\]\['weights'\] should be 2 rows .* got a list of 1",
        ),
        (
            lambda s: s[1]["weights"][0].append(1.0),
            r"\['weights'\]\[0\] should be a list of 3 weights",
        ),
        (
            lambda s: s[1]["biases"].append(1.0),
            r"state\[1\]\['biases'\] should be a list of 2 biases",
        ),
        (
            lambda s: s[1]["biases"].__setitem__(0, "0.5"),
            r"\['biases'\]\[0\] should be a number, got '0.5'",
        ),
        (lambda s: s[1]["biases"].__setitem__(1, True), "should be a number, got True"),
        (lambda s: s[0]["biases"].__setitem__(0, 10**400), "too large for a float"),
        (lambda s: s[1].pop("biases"), r"keys 'weights', 'biases', got \['weights'\]"),
        (lambda s: s[1].__setitem__("extra", 1), "keys 'weights', 'biases'"),
    ],
)
def test_load_state_dict_rejects_wrong_shapes_and_leaves_the_model_unchanged(mutate, message):
    model = MLP(2, [3, 2], seed=0)
    before = model.state_dict()
    state = MLP(2, [3, 2], seed=1).state_dict()
    mutate(state)
    with pytest.raises(StateDictError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before  # although layer 0 was valid, nothing changed


def test_state_dict_error_is_a_value_error():
    with pytest.raises(ValueError):
        Neuron(2).load_state_dict({"weights": [1.0], "bias": 0.0})


def test_save_load_round_trip_is_bit_exact(tmp_path):
    model = MLP(3, [5, 2], activation="tanh", seed=0)
    awkward = [math.pi, 1 / 3, 1e-300, -2.5e-17, 0.1 + 0.2, 123456789.12345678, 5e-324]
    for p, x in zip(model.parameters(), awkward * 10, strict=False):
        p.data = x
    path = tmp_path / "model.json"
    model.save(path)
    copy = MLP(3, [5, 2], activation="tanh", seed=1).load(path)
    originals = [p.data.hex() for p in model.parameters()]
    assert [p.data.hex() for p in copy.parameters()] == originals
    assert json.loads(path.read_text())["module"] == repr(model)


def test_save_overwrites_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [2, 1], seed=0).save(path)
    MLP(2, [2, 1], seed=1).save(str(path))
    assert os.listdir(tmp_path) == ["model.json"]
    assert MLP(2, [2, 1]).load(path).state_dict() == MLP(2, [2, 1], seed=1).state_dict()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"state": [{"weights": [[0.1, 0.2]', r"not valid JSON \(a comma \(,\) is missing at"),
        ("", r"not valid JSON \(a value is missing at line 1, column 1\)"),
        ("[1, 2, 3]", "expected a JSON object with a 'state' entry"),
        ('{"weights": []}', "expected a JSON object with a 'state' entry"),
    ],
)
def test_corrupted_file_is_rejected_and_the_model_unchanged(tmp_path, text, message):
    path = tmp_path / "model.json"
    path.write_text(text)
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(StateDictError, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_truncated_file_is_rejected(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [2, 1], seed=1).save(path)
    path.write_text(path.read_text()[:-40])
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(StateDictError, match="not valid JSON"):
        model.load(path)
    assert model.state_dict() == before


def test_file_of_another_shape_is_rejected_and_the_model_unchanged(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=1).save(path)
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(
        StateDictError, match=r"saved from MLP\(2, \[3, 1\].*does not fit MLP\(2, \[4, 1\]"
    ):
        model.load(path)
    assert model.state_dict() == before


# Model files that cannot hurt: permissions, crashes, and numbers or shapes
# that no model holds (issue 18).


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_save_gives_the_file_the_permissions_the_umask_allows(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        MLP(2, [2, 1], seed=0).save(tmp_path / "model.json")
        MLP(2, [2, 1], seed=1).save(tmp_path / "model.json")  # replacing an existing file too
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "model.json").st_mode & 0o777 == mode


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed", "named"])
@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_save_leaves_the_old_file_and_no_temporary_file(
    tmp_path, monkeypatch, unnamed, failing
):
    path = tmp_path / "model.json"
    MLP(2, [2, 1], seed=0).save(path)
    old_text = path.read_text()
    if not unnamed:  # as on systems without O_TMPFILE: a named temporary file
        monkeypatch.setattr(nn_module, "_open_unnamed", lambda folder: None)

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [2, 1], seed=1).save(path)
    assert path.read_text() == old_text
    assert os.listdir(tmp_path) == ["model.json"]


def test_save_killed_while_writing_leaves_the_old_file_and_nothing_else(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [2, 1], seed=0).save(path)
    old_text = path.read_text()
    # The process dies (SIGKILL: no handler, no finally) after writing, before renaming.
    script = (
        "import os, signal, sys\n"
        "from autograd.nn import MLP\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        "MLP(2, [2, 1], seed=1).save(sys.argv[1])\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True)
    assert run.returncode == -signal.SIGKILL
    assert path.read_text() == old_text
    assert os.listdir(tmp_path) == ["model.json"]


def test_save_refuses_a_model_with_infinite_or_nan_parameters(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    model.layers[1].neurons[0].b.data = math.nan
    with pytest.raises(StateDictError, match=r"parameter 8 \(b\) is nan.*finite numbers only"):
        model.save(tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


def saved_text(state, format="scalar-autograd"):
    return json.dumps(
        {"format": format, "module": "MLP(2, [1], activation='relu')", "state": state}
    )


GOOD_STATE = [{"weights": [[0.5, -0.5]], "biases": [0.25]}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (saved_text(GOOD_STATE).replace("0.5,", "NaN,"), "holds NaN, and a model's parameters"),
        (saved_text(GOOD_STATE).replace("0.25", "Infinity"), "holds Infinity"),
        (saved_text(GOOD_STATE).replace("-0.5", "-Infinity"), "holds -Infinity"),
        (saved_text(GOOD_STATE).replace("0.25", "1e400"), "the number 1e400 is beyond the largest"),
        (
            saved_text(GOOD_STATE).replace("0.25", "9" * 5000),
            r"the number 999999999999\.\.\.999999 \(5000 characters\) is beyond the largest float",
        ),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"state": ' * 100_000 + "0" + "}" * 100_000, "nested too deeply"),
        (saved_text(GOOD_STATE)[:-3], "not valid JSON"),
        ("{'format': 'scalar-autograd'}", "not valid JSON"),
        (saved_text(GOOD_STATE, format="pytorch"), "its 'format' is 'pytorch', expected"),
        (saved_text(GOOD_STATE, format=["x" * 1000]), r"its 'format' is \['xxxxx"),
        (json.dumps({"state": GOOD_STATE}), "its 'format' is None, expected 'scalar-autograd'"),
        (saved_text("weights"), r"state should be a list of 1 layers .* got str 'weights'"),
        (saved_text([{"weights": [["0.5", 1]], "biases": [0]}]), "should be a number, got '0.5'"),
        (saved_text([{"weights": [[True, 1]], "biases": [0]}]), "should be a number, got True"),
        (saved_text([{"weights": [[{}, 1]], "biases": [0]}]), r"should be a number, got \{\}"),
        (saved_text([{"weights": [[0.5]], "biases": [0]}]), r"should be a list of 2 weights"),
        (saved_text([{"weights": [[0.5, 1]], "biases": [0], "x": 1}]), "keys 'weights', 'biases'"),
    ],
)
def test_load_refuses_what_no_model_holds_and_leaves_the_model_unchanged(tmp_path, text, message):
    path = tmp_path / "model.json"
    path.write_text(text)
    model = MLP(2, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(StateDictError, match=message) as error:
        model.load(path)
    assert str(path) in str(error.value)
    assert len(str(error.value)) < 400  # a clear message, not the file echoed back
    assert model.state_dict() == before


def test_load_refuses_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b'{"format": "scalar-autograd", "state": "\xff"}')
    with pytest.raises(StateDictError, match=r"not valid JSON \(the text is not UTF-8\)"):
        MLP(2, [1], seed=0).load(path)


def test_load_accepts_whole_numbers(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(saved_text([{"weights": [[1, -2]], "biases": [3]}]))
    model = MLP(2, [1], seed=0).load(path)
    assert model.state_dict() == [{"weights": [[1.0, -2.0]], "biases": [3.0]}]


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_load_state_dict_refuses_non_finite_numbers(number):
    neuron = Neuron(2, seed=0)
    with pytest.raises(StateDictError, match=r"state\['bias'\] should be a finite number"):
        neuron.load_state_dict({"weights": [0.5, 0.5], "bias": number})
