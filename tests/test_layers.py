"""The architecture, enforced: imports point one way only, and the library never imports Streamlit.

Layers, lowest first: ``core`` (numpy math) < ``lessons`` and ``lab`` (teaching, the
digits lab) < ``render`` (figures, exports) < ``view`` (URL state, uploads, downloads) <
the package's own top (``poolviz/__init__``, ``cli``, ``__main__``). A module may import its
own layer's package or any lower one; the Streamlit glue (``ui``, ``app_pages``, ``app.py``)
sits above the library and is never imported by it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "poolviz"
RANK = {"core": 0, "lessons": 1, "lab": 1, "render": 2, "view": 3}
TOP = 4  # poolviz/__init__.py, cli.py, __main__.py
GLUE = ("streamlit", "ui", "app_pages", "app")


def _layer(module: str) -> str | None:
    """``poolviz.core.ops`` -> ``core``; the package's top-level modules -> None."""
    parts = module.split(".")
    if parts[0] != "poolviz":
        raise ValueError(module)
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def _rank(module: str) -> int:
    layer = _layer(module)
    return TOP if layer is None else RANK[layer]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base == "poolviz":  # `from poolviz import core` names a subpackage
                out += [(node.lineno, f"poolviz.{alias.name}") for alias in node.names]
            else:
                out.append((node.lineno, base))
    return out


LIBRARY = sorted(PACKAGE.rglob("*.py"))


def violations(path: Path) -> list[str]:
    """Every import in ``path`` that points up a layer, sideways, or out to the glue."""
    me = _module_name(path)
    found = []
    for line, target in _imports(path):
        head = target.split(".")[0]
        if head in GLUE:
            found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
            continue
        if head != "poolviz" or target == "poolviz":
            continue
        mine, theirs = _layer(me), _layer(target)
        if _rank(target) > _rank(me) or (
            theirs != mine and _rank(target) == _rank(me) and theirs is not None
        ):
            found.append(f"{path.relative_to(ROOT)}:{line} ({mine}) imports {target} ({theirs})")
    return found


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down_only(path):
    assert violations(path) == []


def test_the_rule_catches_an_upward_import(tmp_path, monkeypatch):
    # A test that cannot fail is a defect: a core module importing render must be caught.
    fake = PACKAGE / "core" / "_layer_probe.py"
    fake.write_text("from poolviz.render import figures\nimport streamlit\n", encoding="utf-8")
    try:
        found = violations(fake)
    finally:
        fake.unlink()
    assert len(found) == 2
    assert "imports poolviz.render" in found[0] and "streamlit" in found[1]


def test_sideways_imports_between_lessons_and_lab_are_caught():
    fake = PACKAGE / "lessons" / "_layer_probe.py"
    fake.write_text("from poolviz.lab import nets\n", encoding="utf-8")
    try:
        assert len(violations(fake)) == 1
    finally:
        fake.unlink()


def test_every_library_folder_is_a_known_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders - {"__pycache__"} <= set(RANK)


def test_the_page_frame_is_thin():
    lines = (ROOT / "app.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 80, f"app.py has {lines} lines; tab bodies belong in app_pages/"


def test_no_library_module_is_oversized_without_saying_why():
    for path in LIBRARY:
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 520:
            doc = ast.get_docstring(ast.parse(text)) or ""
            assert "one piece" in doc, f"{path.relative_to(ROOT)} is long and its docstring does not say why"
