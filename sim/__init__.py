"""Livskraft: an agent-based settlement simulation of Norway on Mesa.

The package is laid out by concern: ``data`` (embedded Norway), ``parameters`` (the parameter
tree), ``geography``, ``population`` and ``households`` (person state), ``demography``,
``migration`` and ``immigration`` (the yearly processes), ``kommune`` and ``agents`` (Mesa
agents), ``model`` (the yearly cycle), ``scenario`` (scenario files), ``run`` (run folders),
``report`` (plots and tables) and ``cli`` (the ``livskraft`` command).
"""

__version__ = "0.1.0"
