"""Search over episodes and token counting: what recall needs beside the graph.

The pure core fuses what these find (`mags.core.episodes`); the I/O-free but library-backed
pieces live here: a lexical index (SQLite FTS5), an optional dense index (an `Embedder`),
a real tokenizer, and the parsing of time expressions in queries.
"""
