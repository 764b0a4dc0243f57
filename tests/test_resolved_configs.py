"""Every train config resolves to what it resolved to when the snapshot was taken.

``tests/data/resolved_train_configs.json`` holds, per config of ``cfg/train``, the SHA-256 of its
resolved ``train`` section (composed with its task; canonical JSON). It guards refactors of the
config files themselves (the embedded ``<Task>SAPG``/``<Task>CPO`` became overlays of their PPO
configs through Hydra's defaults list with every resolved value and name unchanged; recorded at
``d795f4d``, before that change). After an intended change of a config's values, rewrite the
snapshot with ``python tests/test_resolved_configs.py`` and say so in the commit.
"""

import hashlib
import json
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from rlgames_cpo.hydra_setup import CFG_DIR, compose_config, embedded_tasks

SNAPSHOT = Path(__file__).parent / "data" / "resolved_train_configs.json"
TRAIN_CONFIGS = sorted(p.stem for p in (CFG_DIR / "train").glob("*.yaml"))


def resolved_hash(train: str) -> str:
    """SHA-256 of ``train``'s resolved train section, composed with its own task (an embedded
    task's name is its prefix; IsaacGymEnvs configs compose with the default task)."""
    embedded = [t for t in embedded_tasks() if train.startswith(t)]
    task = max(embedded, key=len) if embedded else "EnvpoolMountainCar"
    cfg = compose_config(f"task={task}", f"train={train}", "rl_device=cpu")
    resolved = OmegaConf.to_container(cfg.train, resolve=True)
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()


def test_the_snapshot_covers_every_train_config():
    assert sorted(json.loads(SNAPSHOT.read_text())) == TRAIN_CONFIGS


@pytest.mark.parametrize("train", TRAIN_CONFIGS)
def test_a_train_config_resolves_as_in_the_snapshot(train):
    assert resolved_hash(train) == json.loads(SNAPSHOT.read_text())[train]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    SNAPSHOT.write_text(json.dumps({t: resolved_hash(t) for t in TRAIN_CONFIGS}, indent=1,
                                   sort_keys=True) + "\n")
