"""The world a run starts from and the state it keeps: people in columns (``population``,
``households``, ``network``), places (``geography``, ``places``), the compiled loops behind
them (``kernels``) and the start state of a scenario's area (``landscape``)."""
