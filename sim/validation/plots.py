"""The validation report's plots (``sim.validation.backcast`` writes them beside ``validation.md``).

National population against observed, with its error; simulated against observed kommune
growth in and out of sample; growth by centrality class; the age profile of movers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.validation.metrics import fmt, period_key, simulated_wide
from sim.validation.observed import (
    IN_SAMPLE,
    NATIONAL_TOLERANCE_PCT,
    PERCENT,
    PERIODS,
    growth_between,
    observed_growth,
)

PLOT_DPI = 110


PLOTS = {"national": "national_population.png", "scatter": "growth_scatter.png",
         "centrality": "growth_by_centrality.png", "movers": "movers_by_age.png"}


def _plot_national(m: dict, path: Path, plt) -> None:
    from matplotlib.ticker import MaxNLocator

    nat = pd.DataFrame(m["national"]["rows"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    ax1.plot(nat["year"], nat["observed"] / 1e6, color="black", lw=2, label="observed")
    ax1.plot(nat["year"], nat["simulated"] / 1e6, color="#1f5f8b", lw=2, ls="--",
             label="simulated")
    ax1.set_ylabel("million persons, 1 January")
    ax1.set_title("Population of Norway")
    ax1.legend()
    ax2.axhspan(-NATIONAL_TOLERANCE_PCT, NATIONAL_TOLERANCE_PCT, color="#9c9", alpha=0.3,
                label=f"±{NATIONAL_TOLERANCE_PCT:g} % target")
    ax2.plot(nat["year"], nat["error_pct"], color="#b5452b", lw=2, marker="o", ms=3)
    ax2.axhline(0, color="grey", lw=0.8)
    ax2.set_ylabel("simulated / observed − 1 (%)")
    ax2.set_title("Error")
    ax2.legend()
    for ax in (ax1, ax2):
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.savefig(path, dpi=PLOT_DPI)
    plt.close(fig)


def _plot_scatter(result, m: dict, path: Path, plt) -> None:
    sim_wide = simulated_wide(result)
    fig, axes = plt.subplots(1, len(PERIODS), figsize=(10, 4.6), constrained_layout=True)
    for ax, (y0, y1) in zip(axes, PERIODS, strict=True):
        sim, obs = growth_between(sim_wide, y0, y1).align(observed_growth(y0, y1), join="inner")
        ax.scatter(PERCENT * obs, PERCENT * sim, s=8, alpha=0.6, color="#1f5f8b")
        both = pd.concat([sim, obs]).dropna()
        lo, hi = (PERCENT * both.min(), PERCENT * both.max()) if len(both) else (-1, 1)
        ax.plot([lo, hi], [lo, hi], color="grey", lw=1, label="y = x")
        r = m["periods"][period_key((y0, y1))].get("growth_r")
        sample = "in sample" if (y0, y1) == IN_SAMPLE else "out of sample"
        ax.set_title(f"{y0}→{y1} ({sample}), r = {fmt(r, '.2f')}")
        ax.set_xlabel("observed growth (%)")
        ax.set_ylabel("simulated growth (%)")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    fig.savefig(path, dpi=PLOT_DPI)
    plt.close(fig)


def _plot_centrality(m: dict, path: Path, plt) -> None:
    fig, axes = plt.subplots(1, len(PERIODS), figsize=(10, 4), constrained_layout=True,
                             sharey=True)
    width = 0.4
    for ax, p in zip(axes, PERIODS, strict=True):
        per = m["periods"][period_key(p)]
        ax.set_title(f"{p[0]}→{p[1]}")
        ax.set_xlabel("centrality class (1 = most central)")
        ax.grid(alpha=0.3, axis="y")
        if not per.get("available"):
            continue
        cg = pd.DataFrame(per["class_growth"])
        x = np.arange(len(cg))
        ax.bar(x - width / 2, PERCENT * cg["observed"], width, color="black", label="observed")
        ax.bar(x + width / 2, PERCENT * cg["simulated"], width, color="#1f5f8b",
               label="simulated")
        ax.set_xticks(x, [str(c) for c in cg["class"]])
        ax.axhline(0, color="grey", lw=0.8)
        ax.legend()
    axes[0].set_ylabel("class total growth (%)")
    fig.savefig(path, dpi=PLOT_DPI)
    plt.close(fig)


def _plot_movers(m: dict, path: Path, plt) -> None:
    mv = pd.DataFrame(m["movers_by_age"]["rows"])
    x = np.arange(len(mv))
    fig, ax = plt.subplots(figsize=(8, 4), constrained_layout=True)
    ax.plot(x, mv["reference_per_1000"], color="black", lw=2, marker="o", label="SSB 2008")
    ax.plot(x, mv["simulated_per_1000"].astype(float), color="#1f5f8b", lw=2, ls="--",
            marker="s", label=f"simulated ({m['movers_by_age']['basis']})")
    ax.set_xticks(x, mv["age_group"], rotation=45)
    ax.set_xlabel("age group")
    ax.set_ylabel("movers between kommuner per 1,000")
    ax.set_title("Who moves: age profile of movers")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.savefig(path, dpi=PLOT_DPI)
    plt.close(fig)


def write_plots(result, m: dict, out_dir: Path) -> list[Path]:
    """Write the report's PNG files into ``out_dir``; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = [out_dir / PLOTS[k] for k in ("national", "scatter", "centrality")]
    _plot_national(m, paths[0], plt)
    _plot_scatter(result, m, paths[1], plt)
    _plot_centrality(m, paths[2], plt)
    if m["movers_by_age"]["available"]:
        paths.append(out_dir / PLOTS["movers"])
        _plot_movers(m, paths[-1], plt)
    return paths


