"""`algo.name=sapg` as a drop-in on unmodified PPO configs, through train.py."""

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlgames_cpo import summaries

pytestmark = pytest.mark.slow


def scalar_tags(run_dir):
    tags = set()
    for events in (run_dir / "summaries").glob("events.out.tfevents.*"):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        tags |= set(accumulator.Tags()["scalars"])
    return tags


@pytest.mark.parametrize("train", ["EnvpoolAntPPO", "EnvpoolAntLSTMPPO"])
def test_sapg_drop_in_trains_logs_blocks_resumes_and_plays(train_py, tmp_path, train):
    common = ["task=EnvpoolAnt", f"train={train}", "train.params.algo.name=sapg",
              f"train_dir={tmp_path}"]
    train_py(*common, "num_envs=60", "max_iterations=2", "experiment=sapg")
    run = tmp_path / "sapg"
    assert set(summaries.block_names(6)) <= scalar_tags(run)
    (checkpoint,) = (run / "nn").glob("last_sapg_ep_2_*.pth")

    resumed = train_py(*common, "num_envs=60", "max_iterations=3", "experiment=sapg",
                       f"checkpoint={checkpoint}")
    assert "epoch 3/3" in resumed and "epoch 1/3" not in resumed

    # 100-step episodes: the plays finish their games sooner than at Ant's 1000 steps
    played = train_py(*common, "test=True", f"checkpoint={checkpoint}", "num_envs=5",
                      "train.params.config.player.games_num=5", "task.env.maxEpisodeSteps=100")
    assert "av reward:" in played
    follower = train_py(*common, "test=True", f"checkpoint={checkpoint}", "num_envs=5",
                        "train.params.config.player.games_num=5", "task.env.maxEpisodeSteps=100",
                        "+train.params.config.player.block=5")
    assert "av reward:" in follower
