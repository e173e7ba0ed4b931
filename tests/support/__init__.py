"""Helpers the tests share (`tests.support`). Never imported by `etl` or `benchmarks`."""
