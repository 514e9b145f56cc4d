"""Livskraft: an agent-based settlement simulation of Norway on Mesa.

The package is laid out by role, and imports go one way, from the top of this list down
(the contract in ``pyproject.toml``, checked by import-linter in the tests):

* ``cli`` — the ``livskraft`` command (beside it, the Solara app in ``dashboards/``);
* ``validation`` — the backcast against history, its report, the calibration;
* ``experiments`` — many runs: the process pool, seeds and bands, ensembles, comparisons,
  sensitivity, what the run store keeps of each;
* ``output`` — a run folder and its plots, the run store;
* ``model`` — ``SettlementModel``: build the world, then ``step()`` is one year;
* ``agents`` — the Mesa agents: Kommune, Firm, person views (``records`` beside them);
* ``scenario`` — the scenario schema and files (``scenario.errors`` is a leaf for everyone);
* ``policies`` — one class per policy, and the hooks through which they reach the year;
* ``processes`` — one module per step of the year, in cycle order;
* ``world`` — person columns, households, ties, geography, places, the start state;
* ``parameters`` (with ``params/``) and ``data`` (embedded Norway).
"""

__version__ = "0.1.0"
