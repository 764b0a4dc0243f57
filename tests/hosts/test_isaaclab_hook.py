"""The Isaac Lab hook's pieces in-process (issue 22, item 7): an unknown algorithm is named with
the key and the names that exist, and ``register`` on another rl_games says which it needs
(Isaac Lab's own scripts run end to end in test_isaaclab.py)."""

import pytest
from rl_games.torch_runner import Runner

import rlgames_cpo
from rlgames_cpo.hosts.isaaclab import hook_runner


def test_an_unknown_algorithm_is_named_with_the_key_and_the_known_ones():
    class HookedRunner(Runner):  # the hook wraps this class only
        pass

    hook_runner(HookedRunner)
    runner = HookedRunner()
    with pytest.raises(ValueError, match=r"agent.params.algo.name=cp0 is unknown: use one of "
                                         r"a2c_continuous, .*cpo.*sapg"):
        runner.algo_factory.create("cp0", base_name="run", params={})
    with pytest.raises(ValueError, match=r"agent.params.algo.name=cp0 is unknown"):
        runner.player_factory.create("cp0", params={})


def test_register_on_another_rl_games_says_which_it_needs(monkeypatch):
    """1.6.5's code installed as another version (what neither flavour is): refused at register."""
    from rlgames_cpo.adapters import flavour

    monkeypatch.setattr(flavour, "_installed_version", lambda package_dir: "1.6.2")
    with pytest.raises(ImportError, match=r"sapg/cpo train on rl-games 1\.6\.5 or on Isaac Lab's "
                                          r"rl_games fork, and the rl_games imported from \S+ is "
                                          r"neither \(installed version: 1\.6\.2\): pip install "
                                          r"rl-games==1\.6\.5 \(or, in Isaac Lab, its own: "
                                          r"\./isaaclab\.sh -i rl_games\)"):
        rlgames_cpo.register(Runner())
