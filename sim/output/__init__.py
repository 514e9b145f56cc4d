"""What a run leaves behind: the yearly tables (``records``), the run folder and its output
contract (``run_folder``), its plots (``plots``) and the run store (``store``)."""
