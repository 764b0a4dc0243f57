"""Thin rl_games subclasses that move tensors between rl_games and ``rlgames_cpo.core``."""
