"""Benchmarks: how fast the memory runs and how agents play with it (`mags bench ...`,
`mags bench-memory`, `mags proxy-bench`): synthetic workloads, reference implementations,
runners and reports. What the memory gets right on conversations is `mags.eval`'s.
"""
