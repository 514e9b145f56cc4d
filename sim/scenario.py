"""Scenarios: the schema of a scenario file, loading it, and refusing bad ones clearly.

A scenario is a YAML file validated by pydantic before anything runs. A bad file raises one
``ScenarioError`` whose message names the file, the field path and what is allowed.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from sim import parameters

# Years with population by age in the embedded data (1 January)
START_YEARS = (2006, 2016, 2026)
LAST_END_YEAR = 2100


class ScenarioError(Exception):
    """A scenario that cannot run. The message is meant for the user, as it is."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Immigration(Strict):
    """National immigration per year (persons)."""

    alternative: Literal["main", "low", "high", "zero", "observed"] = Field(
        "main", description="SSB-style path (parameters immigration.total_<alternative>), "
        "'zero', or 'observed' (SSB, 2006–2025, for backcasts)")
    yearly: dict[int, NonNegativeInt] | None = Field(
        None, description="explicit immigration per calendar year; overrides 'alternative'")


class Emigration(Strict):
    """National emigration: age- and origin-specific rates, or fixed yearly totals."""

    alternative: Literal["rates", "observed"] = Field(
        "rates", description="'rates' (parameters emigration.*) or 'observed' totals (SSB)")
    yearly: dict[int, NonNegativeInt] | None = Field(
        None, description="explicit emigration per calendar year; rates are scaled to it")


class Fertility(Strict):
    """Total fertility rate (children per woman); default: parameter demography.fertility_tfr."""

    tfr: PositiveFloat | dict[int, PositiveFloat] | None = None


class Scenario(Strict):
    """One simulation experiment."""

    name: str = Field(description="short name, used in outputs")
    description: str = ""
    start_year: int = Field(2026, description="1 January the run starts from")
    end_year: int = Field(2050, description="1 January the run ends at")
    seed: int = Field(1, ge=0, description="seed of the model's random generator")
    persons_per_agent: PositiveInt = Field(1, description="persons one agent stands for")
    immigration: Immigration = Immigration()
    emigration: Emigration = Emigration()
    fertility: Fertility = Fertility()
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="overrides of the parameter tree by dotted name")

    @field_validator("start_year")
    @classmethod
    def _start_year(cls, v: int) -> int:
        if v not in START_YEARS:
            raise ValueError(f"must be one of {list(START_YEARS)} (years with population by "
                             "age in the embedded data)")
        return v

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, v: dict[str, Any]) -> dict[str, Any]:
        known = parameters.default_names()
        for name in v:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise ValueError(f"unknown parameter '{name}'{hint}")
        return v

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if not self.start_year < self.end_year <= LAST_END_YEAR:
            raise ValueError(f"end_year must be after start_year ({self.start_year}) and at "
                             f"most {LAST_END_YEAR}, got {self.end_year}")
        for label, spec in (("immigration", self.immigration), ("emigration", self.emigration)):
            if spec.alternative == "observed" and self.end_year > 2026:
                raise ValueError(f"{label}.alternative 'observed' covers 2006–2025 only; "
                                 f"end_year must be at most 2026, got {self.end_year}")
        return self


def _format_errors(path: str, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{path}: {field}: {msg}")
    return "\n".join(lines)


def parse_scenario(raw: Any, source: str = "<scenario>") -> Scenario:
    """Validate a mapping as a scenario; raise ScenarioError with a user-facing message."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: the file must be a YAML mapping of scenario fields")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(_format_errors(source, err)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{path}: not valid YAML{where}: "
                            f"{getattr(err, 'problem', err)}") from None
    return parse_scenario(raw, str(path))


def resolved_yaml(scenario: Scenario) -> str:
    """The scenario with every default filled in, as YAML."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
