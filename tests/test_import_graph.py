"""The course package's modules import each other without a cycle."""

import ast
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"


def import_graph() -> dict[str, set[str]]:
    """Return, for every module of ``book/``, the ``book`` modules it imports (at any level,
    lazy imports inside functions included; ``TYPE_CHECKING`` imports too)."""
    modules = {p.stem for p in BOOK.glob("*.py") if p.stem != "__init__"}
    graph = {}
    for name in modules:
        deps = set()
        for node in ast.walk(ast.parse((BOOK / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "book":
                    deps |= {a.name for a in node.names if a.name in modules}
                elif node.module.startswith("book."):
                    deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names if a.name.startswith("book.")}
        graph[name] = deps & modules - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle of ``graph`` as a list of modules, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep) :] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_known_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_registry_and_chapters_do_not_import_the_sweep_engine():
    graph = import_graph()
    for chapter in ("ch3_experiments", "ch5_experiments", "experiment", "lm"):
        assert "sweep" not in graph[chapter], chapter
    assert "ch3_experiments" not in graph["ch5_experiments"]  # shared code lives in book.lm


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    assert find_cycle(graph) is None
    # the widget front ends depend on the figure's interface, not on book.explore
    assert "explore" not in graph["explore_static"] | graph["explore_live"]
