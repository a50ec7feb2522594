"""The classroom's worked example, as every test file builds it."""

from autograd import Value


def named(value, label):
    """``value`` with its label set: ``named(x * y, "z")``."""
    value.label = label
    return value


def worked_nodes(w=3.0, b=4.0):
    """x = 2w + b, y = b + 1, z = x·y, each named as on the board: returns (w, b, x, y, z)."""
    w, b = Value(w, label="w"), Value(b, label="b")
    x = named(2 * w + b, "x")
    y = named(b + 1, "y")
    return w, b, x, y, named(x * y, "z")


def worked_example(w=3.0, b=4.0):
    """The worked example's output and inputs, (z, w, b).

    At w = 3, b = 4: z = 50, dz/dw = 10, dz/db = 15.
    """
    w, b, _, _, z = worked_nodes(w, b)
    return z, w, b


def worked_output():
    """Only z, for the views (lesson, explain) that start from the output."""
    return worked_example()[0]


LECTURE_NEURON = "n = x1*w1 + x2*w2 + b; o = tanh(n)"
LECTURE_AT = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def lecture_neuron():
    """The micrograd lecture's neuron, o = tanh(x1·w1 + x2·w2 + b): o ≈ 0.7071, do/dn = 0.5."""
    from autograd.cli import parse_program

    output, _ = parse_program(LECTURE_NEURON).run(dict(LECTURE_AT))
    return output
