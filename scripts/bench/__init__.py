"""Benchmarks behind `make bench-*`: they measure, write docs/benchmarks.md, and assert nothing."""
