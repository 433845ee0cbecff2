"""Hanlin benchmarks. Each ``bench/<name>_bench.py`` has ``run(args) -> str`` printing/returning its table."""
