"""Everything sapg/cpo read from rl_games' ``params``, parsed and checked once, for every host.

``Settings.from_params`` runs every check of the rl_games keys we rely on
(``rlgames_cpo.validation``), our sections (``rlgames_cpo.config``), the block layout and the
iteration's minibatches (``rlgames_cpo.batching``), so an Isaac Lab run, whose agent is built by
Isaac Lab's script, gets every check a train.py run gets. train.py's launcher parses them before
anything is built and hands the result to the agents in ``params`` (``Settings.of``); an agent
built by another host parses them itself, once.
"""

from dataclasses import dataclass
from typing import ClassVar, Optional

from rlgames_cpo import batching, validation
from rlgames_cpo.config import CpoConfig, DiagnosticsConfig, SapgConfig
from rlgames_cpo.core.blocks import BlockLayout
from rlgames_cpo.errors import ConfigError

ENSEMBLES = ("sapg", "cpo")


@dataclass(frozen=True)
class Settings:
    KEY: ClassVar[str] = "rlgames_cpo_settings"  # where params carry them (rl_games ignores it)

    algo: str
    sapg: Optional[SapgConfig]          # sapg and cpo (or a config that has the section)
    cpo: Optional[CpoConfig]            # cpo (or a config that has the section)
    diagnostics: DiagnosticsConfig
    rows: Optional[batching.IterationRows]  # training only

    @classmethod
    def of(cls, params: dict, *, training: bool = True) -> "Settings":
        """The settings ``params`` carry (train.py's launcher put them there), else parsed."""
        settings = params.get(cls.KEY)
        return settings if settings is not None else cls.from_params(params, training=training)

    @classmethod
    def from_params(cls, params: dict, *, training: bool = True) -> "Settings":
        """``params``: rl_games' (``train.params`` / ``agent.params``). ``training=False``
        (playing): the sections only; any ``num_envs`` plays."""
        config, algo = params["config"], params["algo"]["name"]
        if training:
            validation.check_rl_games_config(config)
            validation.check_central_value(params)
        ensemble = algo in ENSEMBLES
        sapg = SapgConfig.from_config(config) if ensemble or "sapg" in config else None
        cpo = CpoConfig.from_config(config) if algo == "cpo" or "cpo" in config else None
        diagnostics, rows = DiagnosticsConfig.from_config(config), None
        if training:
            if ensemble:
                check_layout(config["num_actors"], sapg.num_blocks)
            rows = batching.iteration_rows(config, sapg if ensemble else None,
                                           cpo if algo == "cpo" else None)
            batching.check_minibatches(params, rows)
        return cls(algo, sapg, cpo, diagnostics, rows)


def check_layout(num_envs: int, num_blocks: int) -> BlockLayout:
    """``num_blocks`` must divide ``num_envs``: the fix in the host's spelling."""
    if num_envs % num_blocks:
        options = BlockLayout.fitting_num_envs(num_envs, num_blocks)
        raise ConfigError(lambda s: f"sapg.num_blocks={num_blocks} does not divide "
                          f"num_envs={num_envs}: use "
                          + " or ".join(s.setting("num_envs", n) for n in options)
                          + f", or a num_blocks that divides {num_envs}")
    return BlockLayout(num_envs, num_blocks)
