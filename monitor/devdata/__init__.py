"""Synthetic data for demos, benchmarks and evaluation (tooling: no product module imports this package).

- `stream`: `generate_posts(n, seed=...)`, the deterministic demo and benchmark stream
  (`python -m monitor.devdata`);
- `phrases`: the stream's phrase pools, written apart from the seed corpus;
- `places`: West Kalimantan place names, shared with the seed corpus builder (data/seed/build.py).
"""

from monitor.devdata.stream import KIND_MIX, generate_posts, main

__all__ = ["KIND_MIX", "generate_posts", "main"]
