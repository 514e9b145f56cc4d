"""How sure the verdict is: the corrected r and the model-minus-trend interval behave as a
reader of the validation report relies on."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.validation import uncertainty

N_KOMMUNER = 357


def _world(seed: int = 1, runs: int = 4, noise_sd: float = 1.0):
    """A known truth: observed = signal + shocks; each run = signal + its own noise."""
    rng = np.random.default_rng(seed)
    idx = pd.Index([f"{i:04d}" for i in range(N_KOMMUNER)])
    signal = pd.Series(rng.normal(size=N_KOMMUNER), idx)
    obs = signal + pd.Series(rng.normal(size=N_KOMMUNER), idx)
    table = pd.DataFrame({r: signal + noise_sd * rng.normal(size=N_KOMMUNER)
                          for r in range(runs)}, index=idx)
    return signal, obs, table


def test_corrected_r_recovers_what_infinitely_many_runs_would_give():
    signal, obs, runs = _world()
    mean = runs.mean(axis=1)
    target = np.corrcoef(signal, obs)[0, 1]
    raw = np.corrcoef(mean, obs)[0, 1]
    corrected = uncertainty.corrected_r(mean, runs, obs)
    assert raw < target - 0.02            # the noise in a 4-run mean lowers r visibly
    assert abs(corrected - target) < abs(raw - target) / 3
    assert math.isnan(uncertainty.corrected_r(mean, runs[[0]], obs))   # one run: unknown


def test_the_interval_spans_zero_only_when_model_and_reference_are_alike():
    signal, obs, runs = _world()
    same = uncertainty.difference_interval(signal, signal, obs)
    assert same == (0.0, 0.0)
    lo, hi = uncertainty.difference_interval(signal, runs[0], obs)     # truth beats a noisy one
    assert 0 < lo < hi
    assert uncertainty.difference_interval(signal, runs[0], obs) == (lo, hi)  # reproducible


def test_summary_and_section_report_the_figures():
    _, obs, runs = _world()
    u = uncertainty.summary(runs.mean(axis=1), runs, obs, reference=runs[0])
    assert u["runs"] == 4 and len(u["single_run_r"]) == 4
    assert u["r"] > max(u["single_run_r"])          # the mean beats each of its runs
    assert u["difference_to_trend"] == pytest.approx(u["r"] - u["single_run_r"][0])
    text = "\n".join(uncertainty.markdown(u, "2015→2025"))
    assert "How sure is the verdict" in text and f"{u['r_infinite_runs']:.3f}" in text
    assert "does not span zero" in text
