"""Benchmarks that write figures to bench/results/; not part of `make test` (see bench/README.md)."""
