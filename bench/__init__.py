"""Benchmarks against the real stack; each reports ratios to a reference measured in the same run."""
