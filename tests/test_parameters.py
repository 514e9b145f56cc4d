"""Every parameter file is valid YAML with a description, a unit and a reference."""

from importlib import resources

import yaml

from sim.parameters import REQUIRED_KEYS, ParameterSet


def test_every_parameter_file_loads_with_unit_and_source():
    root = resources.files("sim").joinpath("params")
    files = [p for p in root.rglob("*.yaml")] if hasattr(root, "rglob") else []
    assert len(files) > 30
    for f in files:
        raw = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert REQUIRED_KEYS <= set(raw), f
        assert str(raw["unit"]).strip() and str(raw["reference"]).strip(), f
    assert len(ParameterSet().names()) == len(files)
