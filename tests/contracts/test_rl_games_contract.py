"""What this plugin relies on in rl_games: fail here, loudly, if an upgrade moves it."""

import inspect
import subprocess
import sys
from importlib.metadata import version

from rl_games.common import env_configurations, vecenv
from rl_games.common.player import BasePlayer
from rl_games.torch_runner import Runner

import rlgames_cpo
from rlgames_cpo.hosts.backends import ENVPOOL, ISAACGYM


def test_rl_games_version_is_the_pinned_one():
    assert version("rl-games") == "1.6.5"


def test_signatures_we_call():
    assert list(inspect.signature(vecenv.create_vec_env).parameters) == [
        "config_name", "num_actors", "kwargs"]
    assert list(inspect.signature(vecenv.register).parameters) == ["config_name", "func"]
    assert list(inspect.signature(env_configurations.register).parameters) == ["name", "config"]
    assert "algo_observer" in inspect.signature(Runner.__init__).parameters
    # the player drops `seed` from env_config, so adapters must default it
    assert "self.env_config.pop('seed', None)" in inspect.getsource(BasePlayer.__init__)


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
    assert ("a_loss, c_loss, entropy, kl, last_lr, lr_mul, cmu, csigma, b_loss = "
            "self.train_actor_critic(self.dataset[i])") in loop
    assert "self.dataset.update_mu_sigma(cmu, csigma)" in loop
    # PpoAgent.train_epoch reads result[4], result[5]: the actor and critic losses
    assert ("return batch_dict['step_time'], play_time, update_time, total_time, a_losses, "
            "c_losses,") in loop
    # the rollout's keys (RowSet.from_rollout reads them) and the critic's dataset keys
    assert "['actions', 'neglogpacs', 'values', 'mus', 'sigmas']" in inspect.getsource(
        ContinuousA2CBase.init_tensors)
    assert "['obses', 'states', 'dones']" in inspect.getsource(ContinuousA2CBase.init_tensors)
    assert "batch_dict['returns']" in inspect.getsource(A2CBase.play_steps)
    assert "batch_dict['rnn_states'] = states" in inspect.getsource(A2CBase.play_steps_rnn)
    critic = inspect.getsource(CentralValueTrain.calc_gradients)
    for key in ("obs", "old_values", "returns", "actions", "dones", "rnn_states"):
        assert f"batch['{key}']" in critic, key
    # the critic's LSTM states per sequence, as _critic_rows builds them for the leader rows
    assert "mb_s.permute(1, 2, 0, 3).reshape(-1, t_size, h_size)" in inspect.getsource(
        CentralValueTrain.update_dataset)


def test_what_the_multi_process_and_resume_workarounds_rely_on():
    import torch
    from rl_games.common.a2c_common import A2CBase, ContinuousA2CBase
    from rl_games.common.object_factory import ObjectFactory

    # rl_games starts NCCL on cuda:<local_rank> itself when config multi_gpu is set (PpoAgent
    # hides the flag from this constructor and joins with the device's backend instead)
    init = inspect.getsource(A2CBase.__init__)
    assert 'dist.init_process_group("nccl"' in init and "if self.global_rank == 0:" in init
    # the training loop: set_device(local_rank) (a no-op for -1, which CPU ranks use), the
    # forgotten best reward then the reset (where a resume puts back its state), and
    # update_epoch first in every iteration (where a stop signal checkpoints)
    loop = inspect.getsource(ContinuousA2CBase.train)
    assert "torch.cuda.set_device(self.local_rank)" in loop
    assert loop.index("self.last_mean_rewards = -1000000000") < loop.index("self.obs = self.env_reset()")
    assert loop.index("epoch_num = self.update_epoch()") < loop.index("self.train_epoch()")
    torch.cuda.set_device(-1)
    # launch lists the registered algorithms from the factory's builders
    assert isinstance(ObjectFactory()._builders, dict)
