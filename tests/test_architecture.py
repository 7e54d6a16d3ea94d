"""The import directions of ARCHITECTURE.md, checked on the source: every import, at any depth.

Each .py file under the layers' folders is parsed with `ast`; every `import x.y`, `from x.y import z`
(relative ones resolved against the file's package) and `importlib.import_module("x.y")`, at module
level or inside a function, a class or an `if TYPE_CHECKING:` block, is checked against ALLOWED.
Third-party and standard-library imports are not the check's business.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agent", "retrieval", "tryon", "index", "ui", "eval", "shopagent")
FRONT_DOOR = ("shopagent.cli", "shopagent.doctor")  # the top: may import anything, nothing imports it

# For each layer, the layers its modules may import (besides third-party packages).
ALLOWED: dict[str, set[str]] = {
    "foundation": {"foundation"},  # settings, hub, secret, staff, errors...: every shopagent module but the front door
    "index": {"index", "foundation"},
    "retrieval": {"retrieval", "index", "foundation"},
    "tryon": {"tryon", "index", "foundation"},
    "agent": {"agent", "retrieval", "tryon", "index", "foundation"},
    "ui": {"ui", "agent", "foundation"},
    "eval": {"eval", "agent", "retrieval", "tryon", "index", "foundation"},
    "front door": {"front door", "ui", "eval", "agent", "retrieval", "tryon", "index", "foundation"},
}


def layer_of(module: str) -> str | None:
    """The layer a dotted module name belongs to; None for third-party and the standard library."""
    top = module.split(".")[0]
    if top == "shopagent":
        front = any(module == door or module.startswith(door + ".") for door in FRONT_DOOR)
        return "front door" if front else "foundation"
    return top if top in PACKAGES else None


def module_name(path: Path, root: Path) -> tuple[str, bool]:
    """(dotted name, is a package's __init__) of a source file under root."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _is_module(name: str, root: Path) -> bool:
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in one file; `from a import b` is a.b when b is a module."""
    name, is_package = module_name(path, root)
    package = name.split(".") if is_package else name.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                inner = f"{source}.{alias.name}" if source else alias.name
                found.append((node.lineno, inner if alias.name != "*" and _is_module(inner, root) else source))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str) and _callee(node.func) in ("import_module", "__import__")):
            found.append((node.lineno, node.args[0].value))
    return sorted(set(found))


def _callee(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def source_files(root: Path) -> list[Path]:
    return sorted(p for package in PACKAGES if (root / package).is_dir()
                  for p in (root / package).rglob("*.py") if "__pycache__" not in p.parts)


def violations(root: Path) -> list[str]:
    """'file:line imports X (LAYER may not import LAYER2)' for every import against ALLOWED."""
    out = []
    for path in source_files(root):
        layer = layer_of(module_name(path, root)[0])
        for line, target in imports_of(path, root):
            other = layer_of(target)
            if layer is not None and other is not None and other not in ALLOWED[layer]:
                out.append(f"{path.relative_to(root).as_posix()}:{line} imports {target} "
                           f"({layer} may not import {other})")
    return out


# ---------------------------------------------------------------- the repository


def test_every_package_is_a_known_layer() -> None:
    """A new top-level package has to be given a place in ARCHITECTURE.md and here before it can pass."""
    skip = {"tests", "build", "dist"}
    found = {p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name not in skip}
    assert found <= set(PACKAGES), f"packages without a layer: {sorted(found - set(PACKAGES))}"
    assert len(source_files(ROOT)) > 50  # the walk really read the code


def test_imports_point_down() -> None:
    found = violations(ROOT)
    assert not found, f"{len(found)} import(s) against ARCHITECTURE.md:\n" + "\n".join(found)


def test_architecture_page_names_the_layers() -> None:
    page = (ROOT / "ARCHITECTURE.md").read_text()
    for name in ("ui/", "eval/", "agent/", "agent/tools/", "retrieval/", "tryon/", "index/", "shopagent/"):
        assert name in page, f"ARCHITECTURE.md does not name {name}"
    assert "tests/test_architecture.py" in page


# ---------------------------------------------------------------- the checker itself


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for parent in path.relative_to(root).parents:
            if parent != Path(".") and not (root / parent / "__init__.py").exists():
                (root / parent / "__init__.py").write_text("")
    return root


def test_the_checker_finds_every_kind_of_import(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "index/a.py": "import numpy\nfrom agent import loop\n",
        "index/b.py": "def f():\n    import retrieval.search\n    return retrieval.search\n",
        "agent/loop.py": "",
        "retrieval/search.py": "from index.store import Store\nfrom shopagent.settings import Settings\n",
        "index/store.py": "from shopagent import settings\n",
        "tryon/garment.py": "from . import sizing\nfrom retrieval.attributes import garment_mask\n",
        "tryon/sizing.py": "",
        "retrieval/attributes.py": "import importlib\nimportlib.import_module('tryon.sizing')\n",
        "ui/app.py": "import gradio\nfrom agent.loop import Agent\nfrom index.store import Store\n",
        "ui/pages/chat.py": "from ..app import build\nfrom eval import runner\n",
        "eval/runner.py": "from agent.loop import Agent\nfrom index.store import Store\n",
        "agent/tools/t.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ui.app import x\n"
                             "class C:\n    def m(self):\n        from shopagent.cli import app\n"),
        "shopagent/settings.py": "from .doctor import checks\n",
        "shopagent/hub.py": "from shopagent import cli\nfrom shopagent.settings import Settings\n",
        "shopagent/staff.py": "from index import store\n",
        "shopagent/doctor.py": "from ui.app import build\nfrom agent.loop import Agent\n",
        "shopagent/cli/__init__.py": "from . import chat\n",
        "shopagent/cli/chat.py": "from ui.app import build\n",
    })
    assert sorted(violations(root)) == sorted([
        "index/a.py:2 imports agent.loop (index may not import agent)",
        "index/b.py:2 imports retrieval.search (index may not import retrieval)",
        "tryon/garment.py:2 imports retrieval.attributes (tryon may not import retrieval)",
        "retrieval/attributes.py:2 imports tryon.sizing (retrieval may not import tryon)",
        "ui/app.py:3 imports index.store (ui may not import index)",
        "ui/pages/chat.py:2 imports eval.runner (ui may not import eval)",
        "agent/tools/t.py:3 imports ui.app (agent may not import ui)",
        "agent/tools/t.py:6 imports shopagent.cli (agent may not import front door)",
        "shopagent/settings.py:1 imports shopagent.doctor (foundation may not import front door)",
        "shopagent/hub.py:1 imports shopagent.cli (foundation may not import front door)",
        "shopagent/staff.py:1 imports index.store (foundation may not import index)",
    ])


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "index/store.py": "from shopagent.settings import Settings\n",
        "retrieval/search.py": "from index.store import Store\n",
        "tryon/service.py": "from index import store\nfrom .photos import PhotoStore\n",
        "tryon/photos.py": "",
        "agent/loop.py": "from retrieval.search import x\nfrom tryon.service import y\n",
        "ui/app.py": "from agent.loop import Agent\nfrom shopagent.settings import Settings\n",
        "shopagent/settings.py": "import pydantic\nfrom shopagent.hub import find_local_model\n",
        "shopagent/hub.py": "",
    })
    assert violations(root) == []
