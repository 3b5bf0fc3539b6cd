"""Client registry entry points (居民主索引): the `tiercare mpi` command group."""
