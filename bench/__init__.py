"""Benchmarks: each module has `main(argv=None) -> dict`, prints a table, writes bench/results/NAME.json."""
