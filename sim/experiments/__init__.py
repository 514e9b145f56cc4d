"""Many runs: the process pool (``pool``), seeds and bands (``seeds``), ensembles,
scenario-against-baseline comparisons (``compare``, shared by the CLI and the dashboard),
sensitivity analysis, and what each command keeps in the run store (``store_entries``)."""
