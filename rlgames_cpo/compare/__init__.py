"""Multi-seed comparison of ppo, sapg and cpo runs: ``python -m rlgames_cpo.compare``."""
