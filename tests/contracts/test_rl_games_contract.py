"""What this plugin relies on in rl_games: fail here, loudly, if an upgrade moves it.

On both rl_games sapg/cpo train on (rlgames_cpo.adapters.flavour): rl-games 1.6.5, installed, and
Isaac Lab's fork, by this file run again with the fork first on PYTHONPATH
(``test_the_contract_holds_on_isaac_labs_fork``). Source is compared with its whitespace removed
(the fork's is 1.6.5's before a formatter ran over it).
"""

import inspect
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from rl_games.common import env_configurations, vecenv
from rl_games.common.player import BasePlayer
from rl_games.torch_runner import Runner

import pytest

import rlgames_cpo
from rlgames_cpo.adapters import flavour
from rlgames_cpo.hosts.backends import ENVPOOL, ISAACGYM

# which rl_games this run of the file checks: the installed one, or the fork the test below puts first
FLAVOUR = os.environ.get("RLGAMES_CPO_CONTRACT_FLAVOUR", flavour.RL_GAMES_165)
FORK = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "isaaclab-rl_games-fork"


def has(source: str, snippet: str) -> bool:
    return re.sub(r"\s", "", snippet) in re.sub(r"\s", "", source)


def test_the_imported_rl_games_is_the_flavour_under_test():
    assert flavour.detect() == FLAVOUR
    assert version("rl-games") == "1.6.5"  # installed; the fork, when checked, is on PYTHONPATH


def test_the_contract_holds_on_isaac_labs_fork():
    if FLAVOUR != flavour.RL_GAMES_165:
        pytest.skip("this is the run on the fork")
    if not FORK.is_dir():
        pytest.skip(f"no rl_games fork fixture at {FORK}")
    env = {**os.environ, "RLGAMES_CPO_CONTRACT_FLAVOUR": flavour.ISAACLAB_FORK,
           "PYTHONPATH": os.pathsep.join([str(FORK), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             __file__], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    assert re.search(r"\b8 passed, 1 skipped\b", result.stdout), result.stdout[-2000:]


def test_signatures_we_call():
    assert list(inspect.signature(vecenv.create_vec_env).parameters) == [
        "config_name", "num_actors", "kwargs"]
    assert list(inspect.signature(vecenv.register).parameters) == ["config_name", "func"]
    assert list(inspect.signature(env_configurations.register).parameters) == ["name", "config"]
    assert "algo_observer" in inspect.signature(Runner.__init__).parameters
    # the player drops `seed` from env_config, so adapters must default it
    assert has(inspect.getsource(BasePlayer.__init__), "self.env_config.pop('seed', None)")


def test_register_makes_the_backends_known():
    rlgames_cpo.register(Runner())
    for name in (ENVPOOL, ISAACGYM):
        assert env_configurations.configurations[name]["vecenv_type"] == name
        assert name in vecenv.vecenv_config


def test_importing_the_package_does_not_import_torch():
    code = "import sys, rlgames_cpo, rlgames_cpo.hydra_setup; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_overridden_agent_methods_keep_rl_games_signatures():
    from rl_games.algos_torch.a2c_continuous import A2CAgent

    from rlgames_cpo.adapters.cpo_agent import CpoAgent
    from rlgames_cpo.adapters.ppo_agent import PpoAgent
    from rlgames_cpo.adapters.sapg_agent import SapgAgent

    checked = 0
    for cls in (PpoAgent, SapgAgent, CpoAgent):
        for name, ours in vars(cls).items():
            theirs = getattr(A2CAgent, name, None)
            if callable(ours) and callable(theirs):
                assert (list(inspect.signature(ours).parameters)
                        == list(inspect.signature(theirs).parameters)), f"{cls.__name__}.{name}"
                checked += 1
    assert checked >= 20


def test_every_replaced_rl_games_method_says_so():
    """An override that does not call rl_games' own method replaces it: its docstring must say
    ``Replaces rl_games 1.6.5 <name> because ...`` (STYLE.md), so an upgrade knows what to
    re-check."""
    from rl_games.algos_torch.a2c_continuous import A2CAgent
    from rl_games.algos_torch.players import PpoPlayerContinuous

    from rlgames_cpo.adapters import normalisers
    from rlgames_cpo.adapters.player import PpoPlayer, SapgPlayer
    from rlgames_cpo.adapters.ppo_agent import PpoAgent
    from rlgames_cpo.adapters.sapg_agent import SapgAgent

    replaced = []
    for cls, base in ((PpoAgent, A2CAgent), (SapgAgent, A2CAgent), (PpoPlayer, PpoPlayerContinuous),
                      (SapgPlayer, PpoPlayerContinuous)):
        for name, ours in vars(cls).items():
            # __init__ calls rl_games' through _init_rl_games
            if name != "__init__" and callable(ours) and callable(getattr(base, name, None)):
                if "super()" not in inspect.getsource(ours):
                    assert "Replaces rl_games 1.6.5" in (ours.__doc__ or ""), f"{cls.__name__}.{name}"
                    replaced.append(name)
    assert set(replaced) == {"prepare_dataset", "calc_gradients", "save", "restore"}
    assert "Replaces rl_games 1.6.5" in normalisers.freeze.__doc__


def test_the_positional_contracts_we_rely_on():
    """What the agents read by position or by key from rl_games 1.6.5."""
    from rl_games.algos_torch.central_value import CentralValueTrain
    from rl_games.common.a2c_common import A2CBase, ContinuousA2CBase

    loop = inspect.getsource(ContinuousA2CBase.train_epoch)
    # calc_gradients sets train_result; the loop unpacks its 9 values in this order
    assert has(loop, "a_loss, c_loss, entropy, kl, last_lr, lr_mul, cmu, csigma, b_loss = "
                     "self.train_actor_critic(self.dataset[i])")
    assert has(loop, "self.dataset.update_mu_sigma(cmu, csigma)")
    # PpoAgent.train_epoch reads result[4], result[5]: the actor and critic losses
    assert has(loop, "return batch_dict['step_time'], play_time, update_time, total_time, "
                     "a_losses, c_losses,")
    # the rollout's keys (RowSet.from_rollout reads them) and the critic's dataset keys
    assert has(inspect.getsource(ContinuousA2CBase.init_tensors),
               "['actions', 'neglogpacs', 'values', 'mus', 'sigmas']")
    assert has(inspect.getsource(ContinuousA2CBase.init_tensors), "['obses', 'states', 'dones']")
    assert has(inspect.getsource(A2CBase.play_steps), "batch_dict['returns']")
    assert has(inspect.getsource(A2CBase.play_steps_rnn), "batch_dict['rnn_states'] = states")
    critic = inspect.getsource(CentralValueTrain.calc_gradients)
    for key in ("obs", "old_values", "returns", "actions", "dones", "rnn_states"):
        assert has(critic, f"batch['{key}']"), key
    # the critic's LSTM states per sequence, as _critic_rows builds them for the leader rows
    assert has(inspect.getsource(CentralValueTrain.update_dataset),
               "mb_s.permute(1, 2, 0, 3).reshape(-1, t_size, h_size)")


def test_what_the_multi_process_and_resume_workarounds_rely_on():
    import torch
    from rl_games.common.a2c_common import A2CBase, ContinuousA2CBase
    from rl_games.common.object_factory import ObjectFactory

    # rl_games starts NCCL on cuda:<local_rank> itself when config multi_gpu is set (PpoAgent
    # hides the flag from this constructor and joins with the device's backend instead)
    init = inspect.getsource(A2CBase.__init__)
    assert has(init, 'dist.init_process_group("nccl"') and has(init, "if self.global_rank == 0:")
    # the training loop: set_device(local_rank) (a no-op for -1, which CPU ranks use), the
    # forgotten best reward then the reset (where a resume puts back its state), and
    # update_epoch first in every iteration (where a stop signal checkpoints)
    loop = re.sub(r"\s", "", inspect.getsource(ContinuousA2CBase.train))
    assert "torch.cuda.set_device(self.local_rank)" in loop
    # 1.6.5 forgets it as -1000000000, the fork as -100500
    assert loop.index("self.last_mean_rewards=-1") < loop.index("self.obs=self.env_reset()")
    assert loop.index("epoch_num=self.update_epoch()") < loop.index("self.train_epoch()")
    torch.cuda.set_device(-1)
    # launch lists the registered algorithms from the factory's builders
    assert isinstance(ObjectFactory()._builders, dict)
