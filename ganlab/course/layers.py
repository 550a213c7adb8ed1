"""The package's layers, read from its imports: each module may import only from its own layer or those before it.

``python -m ganlab.course.layers docs/layers.png`` draws the picture in the README: one column per
layer, its modules, and an arrow for each pair of layers one imports from the other, labelled with
the number of imports. ``tests/test_layers.py`` checks the same graph: no import against the order,
and no import of a ganlab module inside a function (which would hide a cycle).
"""
from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
LAYERS = ("base", "data", "models", "losses", "training", "metrics", "experiments", "views", "course")
BASE = {"_checks", "config", "device", "__init__"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside ganlab ("ganlab.views.plots" -> "views")."""
    parts = module.split(".")[1:]
    if not parts or parts[0] in BASE:
        return "base"
    return parts[0]


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (the shipped notebooks aside)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported ganlab module, line, inside a function) for every ganlab import in the file at ``path``."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names if a.name.startswith("ganlab"))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # a relative import
                    base = ".".join(package.split(".")[:len(package.split(".")) - child.level + 1] + ([base] if base else []))
                if base == "ganlab":  # from ganlab import data, losses
                    found.extend((f"ganlab.{a.name}", child.lineno, in_function) for a in child.names)
                elif base.startswith("ganlab"):
                    found.append((base, child.lineno, in_function))
            visit(child, inside)

    visit(tree, False)
    return found


def problems() -> list[str]:
    """Every import against the layer order, and every ganlab import inside a function, as readable lines."""
    found = []
    for module, path in modules().items():
        here = LAYERS.index(layer_of(module))
        for target, line, in_function in imports(path, module):
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if in_function:
                found.append(f"{where} imports {target} inside a function: import it at the top of the module")
            if module == "ganlab" and layer_of(target) == "base":
                continue
            if LAYERS.index(layer_of(target)) > here:
                found.append(f"{where}: {layer_of(module)} module {module} imports {target} of the later layer "
                             f"{layer_of(target)}")
    return found


def layer_graph() -> Counter:
    """(from layer, to layer) -> how many imports, between different layers."""
    edges = Counter()
    for module, path in modules().items():
        for target, _, _ in imports(path, module):
            a, b = layer_of(module), layer_of(target)
            if a != b and module != "ganlab":
                edges[(a, b)] += 1
    return edges


def draw(path) -> Path:
    """Draw the layers and the imports between them to ``path`` (PNG or SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_layer = {layer: [] for layer in LAYERS}
    for module in modules():
        if module != "ganlab":
            by_layer[layer_of(module)].append(module.split(".")[-1] if layer_of(module) != "base" else module[7:])
    fig, ax = plt.subplots(figsize=(14, 5.5))
    for i, layer in enumerate(LAYERS):
        names = sorted(set(by_layer[layer]) - {"__init__"} - ({layer} if len(by_layer[layer]) > 1 else set()))
        ax.add_patch(plt.Rectangle((i * 1.5, 0), 1.2, 4, facecolor="#eef3fb", edgecolor="#4a6fa5"))
        ax.text(i * 1.5 + 0.6, 3.8, layer, ha="center", va="top", fontsize=11, weight="bold")
        ax.text(i * 1.5 + 0.6, 3.45, "\n".join(names), ha="center", va="top", fontsize=6.5, family="monospace")
    for (a, b), count in sorted(layer_graph().items()):
        ia, ib = LAYERS.index(a), LAYERS.index(b)
        start, end = ia * 1.5 + 0.6 + 0.04 * ib, ib * 1.5 + 0.6 + 0.04 * ia  # spread the ends a little
        rad = -0.35 if ib < ia else 0.35  # leftward arrows (the allowed direction) bulge downwards
        colour = "#555555" if ib <= ia else "#b22222"
        ax.annotate("", xy=(end, 0), xytext=(start, 0),
                    arrowprops=dict(arrowstyle="->", color=colour, lw=0.7, connectionstyle=f"arc3,rad={rad}"))
        depth = -abs(rad) * abs(start - end) / 2  # the arc's lowest point
        ax.text((start + end) / 2, depth - 0.08, str(count), fontsize=6.5, color=colour, ha="center", va="top")
    ax.set_xlim(-0.2, len(LAYERS) * 1.5)
    ax.set_ylim(-1.8, 4.1)
    ax.axis("off")
    ax.set_title("ganlab's layers: each column imports only from columns to its left (arrows: imports, counted)")
    path = Path(path)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(draw(sys.argv[1] if len(sys.argv) > 1 else "docs/layers.png"))
    for problem in problems():
        print(problem)
