"""Client registry (居民主索引, master patient index): pure standardisation,
comparison, Fellegi–Sunter scoring and clustering of person records.

See docs/mpi.md for what exists and the decisions behind it.
"""
