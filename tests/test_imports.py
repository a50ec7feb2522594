"""The floors of the house, read from the imports: no import circle anywhere in autograd/.

Every module of the package is parsed with ``ast`` (never imported), and every
import statement counts: at the top, inside functions, and under
``if TYPE_CHECKING:`` (a type named from an upper floor is still a circle in the
design). ``from autograd import x`` counts as an import of the package's
``__init__`` (and of ``autograd.x`` when that is a module), ``from autograd.x
import y`` as an import of ``autograd.x`` alone; the same for a subpackage.
"""

import ast
from pathlib import Path

import autograd
from autograd import Value

PACKAGE = Path(autograd.__file__).resolve().parent


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Each module's dotted name and its file; a package is its ``__init__.py``."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {module of the package it imports: the line of the first such import}."""
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # from . import x, from ..y import z
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target in modules and target != name:  # a package's `from . import x`
                    imported.setdefault(target, node.lineno)
        graph[name] = imported
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[tuple[str, ...]]:
    """Every elementary cycle, once, starting from its first module in alphabetical order."""
    found = []
    for start in sorted(graph):
        stack = [[start]]
        while stack:
            path = stack.pop()
            for following in sorted(graph[path[-1]], reverse=True):
                if following == start:
                    found.append(tuple(path))
                elif following > start and following not in path:
                    stack.append([*path, following])
    return sorted(found)


def describe(cycle: tuple[str, ...], graph: dict[str, dict[str, int]], modules) -> str:
    """One circle, each step with the file and line of its import."""
    steps = zip(cycle, [*cycle[1:], cycle[0]])
    return (
        " -> ".join(
            f"{module} ({modules[module].relative_to(PACKAGE.parent)}:{graph[module][following]})"
            for module, following in steps
        )
        + f" -> {cycle[0]}"
    )


MODULES = module_files()
GRAPH = import_graph(MODULES)


def test_the_import_graph_is_read_from_every_module():
    # Known edges, so that a parser that finds nothing cannot pass.
    assert {"autograd", "autograd.engine", "autograd.cli", "autograd.program"} <= set(MODULES)
    assert "autograd.engine" in GRAPH["autograd"]  # __init__ imports the engine
    assert "autograd.program" in GRAPH["autograd.cli"]
    assert "autograd" in GRAPH["autograd.cli"]  # from autograd import __version__
    assert "autograd.serve" in GRAPH["autograd.cli"]  # from autograd import serve, in a function


def test_the_cycle_finder(tmp_path):
    graph = {"a": {"b": 1}, "b": {"a": 2, "c": 3}, "c": {"c": 4, "b": 5}, "d": {"a": 6}}
    assert cycles(graph) == [("a", "b"), ("b", "c"), ("c",)]
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from pkg.sub import helper\n")
    (package / "sub" / "__init__.py").write_text("from . import helper\n")
    (package / "sub" / "helper.py").write_text("def f():\n    from .. import sub\n")
    graph = import_graph(module_files(package))
    assert graph == {
        "pkg": {"pkg.sub": 1, "pkg.sub.helper": 1},
        "pkg.sub": {"pkg.sub.helper": 1},
        "pkg.sub.helper": {"pkg": 2, "pkg.sub": 2},
    }
    assert cycles(graph) == [
        ("pkg", "pkg.sub", "pkg.sub.helper"),
        ("pkg", "pkg.sub.helper"),
        ("pkg.sub", "pkg.sub.helper"),
    ]


def test_no_import_circle():
    circles = cycles(GRAPH)
    assert not circles, "import circles:\n" + "\n".join(
        describe(c, GRAPH, MODULES) for c in circles
    )


def test_nothing_imports_the_command_line():
    # The command line is the roof: it imports everything, and only `python -m
    # autograd` imports it (the console script names autograd.cli:main).
    importers = sorted(name for name, imported in GRAPH.items() if "autograd.cli" in imported)
    assert importers == ["autograd.__main__"]


def test_the_engine_stands_on_the_ground_floor():
    # The views import the engine, never the other way round: the engine imports
    # no other module of the package, except the ones that import none (the
    # languages, autograd.i18n) or only those (its errors, autograd.errors).
    def ground(module: str) -> bool:
        return not GRAPH[module]

    above = [m for m in GRAPH["autograd.engine"] if not all(ground(n) for n in GRAPH[m])]
    assert not above, f"engine.py imports {above}, which import other modules of the package"
    # Jupyter's display of a Value is wired from autograd.draw, not from the engine.
    assert Value(1.0)._repr_mimebundle_()["text/plain"] == "Value(data=1.0, grad=0.0)"
