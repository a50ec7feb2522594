"""scalar-autograd: a scalar reverse-mode automatic differentiation engine for
teaching backpropagation.

>>> from autograd import Value
>>> w, b = Value(3.0, label="w"), Value(4.0, label="b")
>>> z = (2 * w + b) * (b + 1)
>>> z.backward()
>>> z.data, w.grad, b.grad
(50.0, 10.0, 15.0)
"""

# `explain` and `draw` are both a module and the function inside it: importing
# the functions here makes `autograd.explain` the function.
from autograd.compile import CompiledGraph, compile_graph
from autograd.define import define_op
from autograd.draw import draw, render, render_backward_steps
from autograd.engine import (
    DomainError,
    Value,
    grad,
    is_grad_enabled,
    linear,
    no_grad,
    topological_order,
)
from autograd.explain import explain
from autograd.finite_differences import GradcheckError, gradcheck
from autograd.forward import hessian, jacobian, jvp
from autograd.lesson import Lesson, lesson

__version__ = "0.1.0"

__all__ = [
    "CompiledGraph",
    "DomainError",
    "GradcheckError",
    "Lesson",
    "Value",
    "__version__",
    "compile_graph",
    "define_op",
    "draw",
    "explain",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "lesson",
    "linear",
    "no_grad",
    "render",
    "render_backward_steps",
    "topological_order",
]
