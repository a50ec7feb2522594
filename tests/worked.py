"""The classroom's worked example, as every test file builds it."""

from autograd import Value


def named(value, label):
    """``value`` with its label set: ``named(x * y, "z")``."""
    value.label = label
    return value


def worked_example(w=3.0, b=4.0):
    """x = 2w + b, y = b + 1, z = x·y, each named as on the board: returns (z, w, b).

    At w = 3, b = 4: z = 50, dz/dw = 10, dz/db = 15.
    """
    w, b = Value(w, label="w"), Value(b, label="b")
    x = 2 * w + b
    x.label = "x"
    y = b + 1
    y.label = "y"
    z = x * y
    z.label = "z"
    return z, w, b


def worked_output():
    """Only z, for the views (lesson, explain) that start from the output."""
    return worked_example()[0]
