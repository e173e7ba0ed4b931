"""Benchmarks of abi-etl, run from a checkout: `python -m benchmarks` (what `make bench` runs).

Not part of the installed package: pyproject.toml packages only `etl*`, and the image's
build context leaves this folder out, so nothing here may be imported by `etl`.

- `pipeline`: extract, transform and load N generated publications through the stage
  functions the flow runs, beside the baselines of `baselines` (the whole-pipeline bench).
- `transform`: the transform alone on synthetic frames, no PostgreSQL needed
  (`python -m benchmarks.transform`).
"""
