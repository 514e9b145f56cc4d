"""The layout a newcomer relies on: imports go one way (the contract in pyproject.toml), no
module imports itself back through others, and no module or function grows past what a
reader can hold (500 and 60 lines)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    return sorted([*(ROOT / "sim").rglob("*.py"), *(ROOT / "dashboards").rglob("*.py")])


def test_the_import_contract_holds():
    done = subprocess.run([sys.executable, "-m", "importlinter.cli", "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:       # older import-linter: the console script only
        done = subprocess.run([Path(sys.executable).parent / "lint-imports", "--no-cache"],
                              cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_no_import_cycle():
    graph = grimp.build_graph("sim", "dashboards", exclude_type_checking_imports=True)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.find_shortest_chain(importer=imported, imported=module):
                cycles.append(f"{module} <-> {imported}")
    # a package's __init__ and its own submodules are not a cycle a reader trips over
    cycles = [c for c in cycles if not any(
        a.startswith(b + ".") or b.startswith(a + ".") for a, b in [c.split(" <-> ")])]
    assert not cycles, cycles


def test_modules_and_functions_stay_small():
    too_long = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {n}")
    assert not too_long, too_long


def test_model_py_reads_as_the_year():
    assert len((ROOT / "sim" / "model.py").read_text().splitlines()) < 200
