"""Benchmarks of abi-etl, run from a checkout: `python -m benchmarks` (what `make bench` runs).

Not part of the installed package: pyproject.toml packages only `etl*`, and the image's
build context leaves this folder out, so nothing here may be imported by `etl`.

- `pipeline`: one size of the report: the production run's scenarios (`scenarios`, each
  in a process of its own running `run_once`) beside the baselines of `baselines`;
  `report`, `table` and `plot` turn the figures into the JSON, the table and the PNG;
  `render` writes the table and the plot again from a report's JSON.
- `transform`: the transform alone on synthetic frames, no PostgreSQL needed
  (`python -m benchmarks.transform`).
"""
