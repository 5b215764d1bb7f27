"""No module imports a sibling that imports it back.

Two modules that import each other cannot say which is the logic and which the storage
(or the port and its adapter); one of them only works because the other was imported
first. Every package under libs/, services/ and tools/ is read statically (ast): each
module's imports of `herald.*`, absolute or relative, at any depth of the module, are
resolved to the module they load, and no two modules may name each other.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(ROOT.glob("*/*/src"))


def module_name(src: Path, path: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(src, path): path
        for src in SOURCES
        for path in src.rglob("*.py")
        if "herald" in path.relative_to(src).parts[:1]
    }


def _absolute(name: str, node: ast.ImportFrom, path: Path) -> str:
    """The module a `from ... import` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imported(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every herald module this module imports: `from a.b import c` loads `a.b.c` when
    that is a module, else `a.b`."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(name, node, path)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in known:
                    yield sub
                elif source in known:
                    yield source


def graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {m for m in imported(name, path, known) if m != name} for name, path in known.items()
    }


def mutual(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted(
        (a, b) for a, targets in edges.items() for b in targets if a < b and a in edges.get(b, ())
    )


def test_the_sources_are_found() -> None:
    names = modules()
    assert "herald.runtime.manifest" in names
    assert "herald.scheduler.main" in names
    assert "herald.heraldctl" in names


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    assert set(mutual(graph())) == set()


@pytest.mark.parametrize(
    ("edges", "found"),
    [
        ({"a.x": {"a.y"}, "a.y": {"a.x"}}, [("a.x", "a.y")]),
        ({"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": set()}, []),
    ],
)
def test_a_pair_importing_each_other_is_found(
    edges: dict[str, set[str]], found: list[tuple[str, str]]
) -> None:
    assert mutual(edges) == found


def test_relative_and_submodule_imports_resolve(tmp_path: Path) -> None:
    package = tmp_path / "herald" / "pkg"
    package.mkdir(parents=True)
    (tmp_path / "herald" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "store.py").write_text("from . import logic\n")
    (package / "logic.py").write_text("from herald.pkg.store import Store\n")
    known = {module_name(tmp_path, p): p for p in tmp_path.rglob("*.py")}
    edges = {n: set(imported(n, p, known)) for n, p in known.items()}
    assert mutual(edges) == [("herald.pkg.logic", "herald.pkg.store")]
