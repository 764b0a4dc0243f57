"""Input normalisers updated once per iteration from the rollout, frozen in between
(docs/algorithm.md, Input normalisers).

Deviation from the public CPO code: rl_games updates a model's input statistics on every
training forward (``set_train`` before each minibatch, ``CentralValueTrain.train`` before each
of the critic's), which would count the leader's states ``M`` times as often as the others (once,
and once per follower's AWAC rows) and the chosen followers' twice. One mechanism covers the
actor-critic's observations and the asymmetric critic's states alike: the normaliser ignores
``train()``, and :func:`update_once` feeds it the rollout's own ``N * H`` samples.
"""

import types

import torch


def _stay_in_eval(module, mode=True):
    return module


def freeze(normaliser: torch.nn.Module) -> None:
    """Replaces rl_games 1.6.5 ``RunningMeanStd.train`` on this one instance because rl_games
    puts the model (and so this normaliser) back in train mode before every minibatch: it stays
    in eval mode, whatever ``train()`` its model gets."""
    normaliser.training = False
    normaliser.train = types.MethodType(_stay_in_eval, normaliser)


def update_once(model, inputs: torch.Tensor) -> None:
    """Feeds ``inputs`` to ``model``'s frozen input normaliser once (``norm_obs`` skips the block
    column)."""
    normaliser = model.running_mean_std
    normaliser.training = True
    try:
        with torch.no_grad():
            model.norm_obs(inputs)
    finally:
        normaliser.training = False
