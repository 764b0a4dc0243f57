"""No-grad forwards of a model on many rows (values and policies under other blocks, the
diagnostics) in eval mode, in chunks that bound their memory at thousands of envs."""

from contextlib import contextmanager

import torch

# Rows per forward: oneDNN's CPU LSTM cannot take a batch of 2^18 rows ("could not create a
# primitive"; AllegroKuka's AWAC values at N = 24576).
EVAL_ROWS = 1 << 16


def rows_of_input(input_dict: dict, start: int, stop: int, unit: int) -> dict:
    """Rows ``start:stop`` of a model input dict; ``rnn_states`` hold one state per ``unit``
    rows (a sequence), so they are cut at ``start // unit : stop // unit``."""
    part = dict(input_dict)
    for key in ("obs", "prev_actions", "dones"):
        if part.get(key) is not None:
            part[key] = part[key][start:stop]
    if part.get("rnn_states") is not None:
        part["rnn_states"] = tuple(s[:, start // unit:stop // unit] for s in part["rnn_states"])
    return part


@contextmanager
def eval_mode(model):
    """``model`` in eval mode (normalisers frozen) and no grad; every module's mode is restored
    afterwards."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for module, training in modes:
            module.training = training


def forward(model, input_dict: dict) -> dict:
    """``model``'s outputs on ``input_dict``'s rows, in eval mode, ``EVAL_ROWS`` rows (whole
    sequences for an LSTM) per forward; tensors of every row, concatenated."""
    rows = len(input_dict["obs"])
    unit = input_dict.get("seq_length", 1) if input_dict.get("rnn_states") is not None else 1
    step = max(EVAL_ROWS // unit, 1) * unit
    with eval_mode(model):
        parts = [model(rows_of_input(input_dict, start, start + step, unit))
                 for start in range(0, rows, step)]
    if len(parts) == 1:
        return parts[0]
    return {key: torch.cat([p[key] for p in parts]) for key, value in parts[0].items()
            if torch.is_tensor(value)}
