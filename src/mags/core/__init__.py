"""The pure core of MAGS: the liquid knowledge graph, with no I/O of any kind."""
