"""Property-based test of the scenario loader: random mutations of the shipped scenarios either
load or are refused with one ``ScenarioError`` naming the file and the field, quickly and in
little memory; through the CLI (``livskraft check`` / ``run``) they end with exit status 2 and
one message, never a traceback or a run folder.

Mutations: a value replaced (other types, huge, negative and non-finite numbers, strings in
number fields), a key deleted, an unknown key added, a value nested deeply, and YAML anchors
and aliases (modest ones and "billion laughs" bombs). Short profile: ``SHORT_EXAMPLES``
examples by default; full profile (``-m full``): ``FULL_EXAMPLES``.
"""

from __future__ import annotations

import copy
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SHORT_EXAMPLES = 50
FULL_EXAMPLES = 2_000
CLI_SHORT_EXAMPLES = 2
CLI_FULL_EXAMPLES = 40
MAX_SECONDS = 2.0            # one load or refusal
MAX_GROWTH_BYTES = 300e6     # growth of the test process's peak resident memory
CLI_MEMORY_BYTES = 1.5e9     # address space of a CLI subprocess (about 0.55 GB after imports)
CLI_SECONDS = 60             # a CLI subprocess, imports included
MAX_MESSAGE_CHARS = 5_000
ALIAS = "__ALIAS__"          # a placeholder replaced by YAML text after dumping
FUZZ_SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck))

NUMBERS = st.one_of(
    st.integers(-10**30, 10**30),
    st.sampled_from([0, -1, 1, 10**9, 10**12, 2**63, -2**63, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -0.0, 1e-300]))
VALUES = st.one_of(
    NUMBERS,
    st.text(max_size=20),
    st.sampled_from(["", "abc", "1e9", "../../etc", "/etc/passwd", ".hidden", "x" * 5000,
                     "2030", "K01", "5014", "main", "landscape"]),
    st.booleans(), st.none(),
    st.lists(NUMBERS, max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=5), st.integers(1900, 2100)), NUMBERS,
                    max_size=3))
ANCHORS = st.one_of(
    st.builds(lambda n: f"&a [{', '.join(['1'] * n)}]", st.integers(1, 5)),     # modest
    st.builds(lambda levels: _laughs(levels), st.integers(2, 12)),             # bombs
    st.builds(lambda depth: "[" * depth + "]" * depth, st.integers(1, 12_000)))  # deep


def _laughs(levels: int) -> str:
    """A flow collection nesting ``levels`` of nine aliases each (9**levels strings)."""
    text = "&l0 [" + ",".join(["lol"] * 9) + "]"
    for i in range(1, levels):
        text = f"&l{i} [{text}, " + ",".join([f"*l{i - 1}"] * 8) + "]"
    return text


def _paths(node, prefix=()) -> list[tuple]:
    """Every key path of a parsed YAML document."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _at(root, path):
    for key in path:
        root = root[key]
    return root


@st.composite
def mutants(draw) -> str:
    """The text of a shipped scenario with one to three random mutations."""
    source = draw(st.sampled_from(SCENARIOS))
    raw = copy.deepcopy(yaml.safe_load(source.read_text(encoding="utf-8")))
    aliased = False
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(raw)[1:] or [("name",)]))
        parent, key = _at(raw, path[:-1]), path[-1]
        op = draw(st.sampled_from(["replace", "delete", "unknown", "nest", "alias"]))
        if op == "delete":
            del parent[key]
        elif op == "unknown" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["colour", "seeds", "Name", "kind", "zz"]))] = \
                draw(VALUES)
        elif op == "nest":
            value = parent[key]
            for _ in range(draw(st.integers(1, 60))):
                value = [value]
            parent[key] = value
        elif op == "alias" and not aliased:
            parent[key], aliased = ALIAS, True
        else:
            parent[key] = draw(VALUES)
        if not isinstance(raw, dict) or not raw:
            break
    text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=10_000)
    if aliased:
        text = text.replace(ALIAS, draw(ANCHORS) + " # " + ALIAS, 1)
    return text


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A copy of scenarios/ (so that extends: resolves) to write mutants into."""
    out = tmp_path_factory.mktemp("fuzz")
    for path in SCENARIOS:
        shutil.copy(path, out / path.name)
    load_scenario(out / "classroom-sentralisering.yaml")      # imports and data, once
    return out


def _peak_rss_bytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0


@pytest.fixture(scope="module")
def baseline(folder) -> float:
    """Peak resident memory of this process before the first example (after the imports)."""
    return _peak_rss_bytes()


def check_mutant(folder: Path, text: str, baseline: float) -> None:
    """The property: the mutant loads or is refused clearly, quickly, in little memory."""
    path = folder / "mutant.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    try:
        load_scenario(path)
    except ScenarioError as err:
        message = str(err)
        assert message and len(message) < MAX_MESSAGE_CHARS, message[:500]
        assert "Traceback" not in message
        for line in message.splitlines():
            assert line.startswith("... and ") or str(path) in line, line[:300]
            assert len(line.split(": ", 2)) >= 2, line[:300]     # file: field or problem
    elapsed = time.perf_counter() - start
    assert elapsed < MAX_SECONDS, f"{elapsed:.1f} s"
    assert _peak_rss_bytes() - baseline < MAX_GROWTH_BYTES


@settings(max_examples=SHORT_EXAMPLES, derandomize=True, **FUZZ_SETTINGS)
@given(text=mutants())
def test_mutated_scenarios_load_or_are_refused_clearly(folder, baseline, text):
    check_mutant(folder, text, baseline)


@pytest.mark.full
@settings(max_examples=FULL_EXAMPLES, **FUZZ_SETTINGS)
@given(text=mutants())
def test_mutated_scenarios_load_or_are_refused_clearly_full(folder, baseline, text):
    check_mutant(folder, text, baseline)


# ----- through the CLI ----------------------------------------------------------------------
def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (int(CLI_MEMORY_BYTES), int(CLI_MEMORY_BYTES)))


def check_cli(folder: Path, text: str, command: str) -> None:
    """``livskraft COMMAND FILE`` exits 0 (loads) or 2 with one message; no traceback, no run
    folder, within the time and memory limits."""
    path = folder / "cli-mutant.yaml"
    path.write_text(text, encoding="utf-8")
    out = folder / "cli-out"
    try:
        loads = bool(load_scenario(path))
    except ScenarioError:
        loads = False
    if loads and command == "run":
        return                         # a valid scenario would run: not what this tests
    args = [sys.executable, "-m", "sim.cli", command, str(path)]
    if command == "run":
        args += ["--out", str(out)]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                          timeout=CLI_SECONDS, preexec_fn=_limit_memory)
    output = done.stdout + done.stderr
    assert done.returncode == (0 if loads else 2), output[-2000:]
    assert "Traceback" not in output and "Error:" not in output.replace("error:", "")
    if not loads:
        assert done.stderr.count("error:") == 1, output[-2000:]
    assert not out.exists()


NASTY = {
    "bomb": "name: bomb\nseed: " + _laughs(12) + "\n",
    "deep": "name: deep\ndescription: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "extends-passwd": "extends: /etc/passwd\nname: x\n",
    "nan-policy": "extends: classroom-sentralisering.yaml\nname: x\npolicies:\n"
                  "  - {type: mentoring, where: {kommuner: [K03]}, parameters: {share: .nan}}\n",
    "huge-immigration": "extends: classroom-sentralisering.yaml\nname: x\nend_year: 2030\n"
                        "immigration: {yearly: {2027: 100000000}}\n",
}
SHORT_NASTY = ("bomb", "nan-policy")


@pytest.mark.parametrize("case", SHORT_NASTY)
def test_nasty_files_through_the_cli(folder, case):
    check_cli(folder, NASTY[case], "run")


@pytest.mark.full
@pytest.mark.parametrize("case", sorted(set(NASTY) - set(SHORT_NASTY)))
def test_nasty_files_through_the_cli_full(folder, case):
    check_cli(folder, NASTY[case], "run")


@settings(max_examples=CLI_SHORT_EXAMPLES, derandomize=True, **FUZZ_SETTINGS)
@given(text=mutants())
def test_mutated_scenarios_through_the_cli(folder, text):
    check_cli(folder, text, "check")


@pytest.mark.full
@settings(max_examples=CLI_FULL_EXAMPLES, **FUZZ_SETTINGS)
@given(text=mutants())
def test_mutated_scenarios_through_the_cli_full(folder, text):
    check_cli(folder, text, "check")
