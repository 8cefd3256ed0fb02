"""Benchmarks: data generator, load runner and the ceiling app (see bench/README.md)."""
