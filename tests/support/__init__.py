"""Helpers the tests share (importable as `support`: pytest puts tests/ on the path for
tests/conftest.py, as it does for `integration`). Never imported by `etl` or `benchmarks`.
"""
