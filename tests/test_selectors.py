"""checkpoint=latest / checkpoint=best (rlgames_cpo.selectors) on run folders built here; through
train.py in tests/e2e/test_run_safety.py."""

import os
from pathlib import Path

import pytest

from rlgames_cpo.selectors import pick, resolve


def run_folder(root: Path, *names) -> Path:
    """``root/nn/<name>`` for each name, written in order, one second apart (mtime)."""
    (root / "nn").mkdir(parents=True)
    for age, name in enumerate(reversed(names)):
        (root / "nn" / name).write_bytes(b"PK\x03\x04")
        os.utime(root / "nn" / name, (1_000_000 - age, 1_000_000 - age))
    return root


def test_latest_is_the_newest_and_best_the_newest_not_named_last(tmp_path):
    run = run_folder(tmp_path / "x", "x.pth", "last_x_ep_5_rew_1.pth", "x_old.pth",
                     "last_x_ep_10_rew_2.pth")
    # written in that order: x_old.pth after x.pth, so it is the newest best
    assert pick(run, "latest").name == "last_x_ep_10_rew_2.pth"
    assert pick(run, "best").name == "x_old.pth"
    assert resolve("latest", run) == str(run / "nn" / "last_x_ep_10_rew_2.pth")
    assert resolve(str(run / "best"), None) == str(run / "nn" / "x_old.pth")
    assert resolve(str(run / "nn" / "x.pth"), run) == str(run / "nn" / "x.pth")  # a path: as given


def test_a_run_without_them_says_what_it_has(tmp_path):
    only_last = run_folder(tmp_path / "a", "last_a_ep_2_rew_1.pth")
    with pytest.raises(FileNotFoundError) as error:
        pick(only_last, "best")
    assert str(error.value) == (
        f"checkpoint=best: {only_last} has no best checkpoint yet (rl_games writes nn/<name>.pth "
        "when the mean reward improves, after save_best_after iterations); its newest is "
        f"{only_last / 'nn' / 'last_a_ep_2_rew_1.pth'}: use checkpoint=latest")
    (tmp_path / "empty" / "nn").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="has no checkpoint yet"):
        pick(tmp_path / "empty", "latest")
    with pytest.raises(FileNotFoundError, match="there is no such run folder"):
        resolve(str(tmp_path / "nowhere" / "latest"), None)
    with pytest.raises(ValueError) as error:
        resolve("latest", None)
    assert str(error.value) == ("checkpoint=latest picks a run's latest checkpoint: say which run "
                                "with experiment=X (the folder <train_dir>/X), or give "
                                "checkpoint=<run folder>/latest")
