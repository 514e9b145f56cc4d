"""The Livskraft dashboard: a Solara app (``app.py``) over the model's runs (``logic.py``)
and their plots (``plots.py``). Start it with ``livskraft dashboard``."""
