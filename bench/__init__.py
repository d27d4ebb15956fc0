"""Benchmarks: `make bench` runs every module in `bench.__main__.SUITES` and prints the figures."""
