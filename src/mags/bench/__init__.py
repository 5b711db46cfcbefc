"""Benchmarks: synthetic workloads, reference implementations, runners and reports."""
