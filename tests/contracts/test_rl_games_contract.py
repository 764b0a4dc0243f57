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
