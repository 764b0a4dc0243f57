"""What this plugin relies on in rl_games: fail here, loudly, if an upgrade moves it."""

import inspect
import subprocess
import sys
from importlib.metadata import version

from rl_games.common import env_configurations, vecenv
from rl_games.common.player import BasePlayer
from rl_games.torch_runner import Runner

import rlgames_cpo
from rlgames_cpo.envs.registry import ENVPOOL, ISAACGYM


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
