import pytest

from rlgames_cpo.hydra_setup import compose_config
from rlgames_cpo.launch import build_agent


@pytest.fixture
def make_agent(tmp_path):
    """A real rl_games agent built as train.py builds it, for the given overrides."""

    def make(*overrides, algo="sapg"):
        return build_agent(compose_config("experiment=t", f"train_dir={tmp_path}", "rl_device=cpu",
                                          f"train.params.algo.name={algo}", *overrides))

    return make

