"""The math of SAPG and CPO as pure torch functions: no rl_games import, no hidden state.

Layouts, used throughout: rollout tensors are time-major ``(H, N, ...)`` (step ``t``, env ``e``);
flattened batches are env-major rows, ``row = e * H + t`` (rl_games' convention).
"""
