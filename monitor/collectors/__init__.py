"""Collectors: one module per source, each mapping platform items to `RawPost` (foundations floor).

A collector knows nothing of the database; see `base.Collector` for the contract and `registry` for how
a type name in config/sources.yml finds its class.
"""
