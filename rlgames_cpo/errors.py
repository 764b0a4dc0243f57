"""Configuration errors that name the fix the way the user's host spells it.

A setting is written ``train.params.config.minibatch_size=480`` and ``num_envs=64`` on our
``train.py`` and IsaacGymEnvs' command line, ``agent.params.config.minibatch_size=480`` and
``--num_envs 64`` on Isaac Lab's scripts. A :class:`ConfigError` holds its message as a function
of a :class:`Spelling`; it reads as ``train.py`` spells it, and a host's entry point re-spells it
(``error.spelled(ISAACLAB)``, ``rlgames_cpo.hosts.isaaclab``) with hints of its own.
"""

from dataclasses import dataclass, field
from typing import Callable, Union


@dataclass(frozen=True)
class Spelling:
    """How a host's command line writes rl_games' params and the env count."""

    params: str = "train.params"
    num_envs_pattern: str = "num_envs={}"
    hints: dict = field(default_factory=dict)  # name -> text (str.format'ed with the values)

    def key(self, path: str) -> str:
        """``config.minibatch_size`` -> ``train.params.config.minibatch_size``."""
        return f"{self.params}.{path}"

    def setting(self, path: str, value) -> str:
        """A setting on the command line; ``path`` ``num_envs`` is the env count."""
        if path in ("num_envs", "config.num_actors"):
            return self.num_envs_pattern.format(value)
        return f"{self.key(path)}={value}"

    def hint(self, name: str, **values) -> str:
        """`` (<the host's hint>)``, or ``''`` when the host has none."""
        return f" ({self.hints[name].format(**values)})" if name in self.hints else ""


TRAIN_PY = Spelling()


class ConfigError(ValueError):
    """A configured value that cannot work, with the key and the fix in the host's spelling."""

    def __init__(self, message: Union[str, Callable[[Spelling], str]],
                 spelling: Spelling = TRAIN_PY):
        self.message = message if callable(message) else (lambda s: message)
        self.spelling = spelling
        super().__init__(self.message(spelling))

    def spelled(self, spelling: Spelling) -> "ConfigError":
        return ConfigError(self.message, spelling)
