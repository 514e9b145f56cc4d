"""What a run leaves behind: the run folder and its output contract (``run_folder``, which
lines up the model's yearly records, ``sim.records``, by calendar year), its plots (``plots``)
and the run store (``store``)."""
