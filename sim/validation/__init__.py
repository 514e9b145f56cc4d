"""Judging the model against history: observed series and naive references (``observed``),
the backcast and its metrics (``backcast``, ``metrics``), the report and its plots, the
place-effect calibration, how sure the verdict is (``uncertainty``), the age structure,
refugees' onward moves and the observed attractiveness accounts (``attractiveness``)."""
