"""Our config sections of ``train.params.config``, parsed once into frozen dataclasses.

rl_games keys keep rl_games' meanings; ours live in their own sections (``sapg``). Unknown keys
fail with a close-match suggestion, values that break a rule fail with the fix.
"""

import dataclasses
import difflib
from dataclasses import dataclass
from typing import ClassVar

from rlgames_cpo.errors import ConfigError
from rlgames_cpo.rules import RULES

# cpo.discriminator.activation: the names rlgames_cpo.core.discriminator.ACTIVATIONS builds
ACTIVATION_NAMES = ("elu", "relu", "silu", "tanh")
DISCRIMINATOR_REWARDS = ("corrected", "reference")


# field type -> the rule (rlgames_cpo.rules) its values follow
TYPE_RULES = {int: "int", float: "float", str: "text", tuple: "ints"}


def check_types(instance, section: str) -> None:
    """Every field of a section dataclass has its annotated type (numbers finite): a value from
    the command line (``cpo.lambda_f=x``, ``=nan``) fails here, named, not deep in the maths."""
    for field in dataclasses.fields(instance):
        if field.type not in TYPE_RULES:
            continue
        test, requirement = RULES[TYPE_RULES[field.type]]
        value = getattr(instance, field.name)
        if not test(value):
            example = (f"[{','.join(map(str, field.default))}]" if isinstance(field.default, tuple)
                       else repr(field.default))
            raise ConfigError(lambda s: f"{section}.{field.name}={value!r} must be "
                              f"{requirement}: e.g. {s.setting(f'config.{section}.{field.name}', example)}")


def _parse(cls, section: str, values):
    if values is not None and not isinstance(values, dict):
        raise ConfigError(lambda s: f"{s.key('config.' + section)}={values!r} must be a section "
                          f"of keys, e.g. +{s.key('config.' + section)}.<key>=<value>")
    values = dict(values or {})
    known = [f.name for f in dataclasses.fields(cls)]
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {section}.{close[0]}?" if close else f"known keys: {', '.join(known)}"
            raise ConfigError(f"unknown config key {section}.{key}: {hint}")
    return cls(**values)


class Section:
    """A section of ``train.params.config`` named ``SECTION``, parsed by ``from_config``."""

    SECTION: ClassVar[str]

    @classmethod
    def from_config(cls, config: dict):
        return _parse(cls, cls.SECTION, config.get(cls.SECTION))

    @classmethod
    def keys(cls) -> list:
        return [f.name for f in dataclasses.fields(cls)]


@dataclass(frozen=True)
class SapgConfig(Section):
    """``train.params.config.sapg`` (docs/algorithm.md; defaults from the SAPG and CPO papers)."""

    SECTION: ClassVar[str] = "sapg"

    num_blocks: int = 6          # M: paper's value (CPO Appendix A.7, SAPG Sec. 5)
    off_policy_ratio: int = 1    # k follower blocks whose data the leader also learns from
    embedding_dim: int = 32      # d of the block embedding table E (M x d)
    entropy_scale: float = 0.0   # per-block entropy c_b = scale * 0.5 * b / (M-1); 0: entropy_coef

    def __post_init__(self):
        check_types(self, self.SECTION)
        if self.num_blocks < 1:
            raise ConfigError(f"sapg.num_blocks={self.num_blocks!r} must be a positive integer, "
                             "e.g. sapg.num_blocks=6")
        if not 0 <= self.off_policy_ratio < max(self.num_blocks, 2):
            raise ConfigError(f"sapg.off_policy_ratio={self.off_policy_ratio!r} must be an integer "
                             f"from 0 to num_blocks - 1 = {self.num_blocks - 1}")
        if self.embedding_dim < 1:
            raise ConfigError(f"sapg.embedding_dim={self.embedding_dim!r} must be a positive integer")
        if self.entropy_scale < 0:
            raise ConfigError(f"sapg.entropy_scale={self.entropy_scale} must be >= 0")


@dataclass(frozen=True)
class DiscriminatorConfig:
    """``cpo.discriminator``: the adversarial reward's classifier (paper Tables 3-6)."""

    units: tuple = (1024, 1024, 512, 512)
    activation: str = "elu"
    # corrected: labels are each sample's block, log_softmax of the logits, normalised
    # observations, clamped (docs/algorithm.md). reference: the public CPO code's reward, its defects
    # included (time-chunk labels, softmax twice, raw observations, the leader rewarded too), to
    # reproduce the paper's runs; it is a different algorithm at the same lambda_adv.
    reward: str = "corrected"

    def __post_init__(self):
        check_types(self, "cpo.discriminator")
        if self.reward not in DISCRIMINATOR_REWARDS:
            raise ConfigError(f"cpo.discriminator.reward={self.reward!r}: use corrected (the default) "
                             "or reference (the public CPO code's reward, defects included)")
        object.__setattr__(self, "units", tuple(self.units))
        if not self.units or min(self.units) < 1:
            raise ConfigError(f"cpo.discriminator.units={list(self.units)} must be positive widths")
        if self.activation not in ACTIVATION_NAMES:
            raise ConfigError(f"cpo.discriminator.activation={self.activation!r}: use one of "
                             f"{', '.join(ACTIVATION_NAMES)}")


@dataclass(frozen=True)
class CpoConfig(Section):
    """``train.params.config.cpo`` (docs/algorithm.md, CPO; defaults from the paper's tables)."""

    SECTION: ClassVar[str] = "cpo"

    beta: float = 0.001          # forward-KL (AWAC) term weight, Tables 3-6
    lambda_f: float = 0.2        # forward-KL temperature, Tables 3-6 (smaller: closer to leader)
    lambda_r: float = 0.0        # reverse-KL advantage shaping, 0 in every paper table
    lambda_adv: float = 0.0      # adversarial diversity reward; 0 builds no discriminator
    weight_max: float = 100.0    # AWAC weight clamp (docs/algorithm.md, CPO forward KL)
    discriminator: DiscriminatorConfig = DiscriminatorConfig()
    # Beyond the paper (docs/algorithm.md, CPO: lambda_f beyond the paper); both off by default.
    # A KL target: eps_KL of Eq. 9; > 0 adapts each follower's lambda_f, from lambda_f, once per
    # iteration by a log-space dual step on its measured KL(pi_F || pi_L).
    kl_target: float = 0.0
    kl_target_step: float = 0.1  # log-space step: lambda_f changes by at most a factor e^0.1
    lambda_f_min: float = 0.02   # bounds of the adapted lambda_f: about 5x either side of the
    lambda_f_max: float = 2.0    # paper's tables' 0.1-0.5
    # The paper's heuristic (Sec. 7.2: start weak at 0.5, strengthen) as a schedule: lambda_f
    # goes linearly to lambda_f_end over lambda_f_frames env steps; 0 frames: no schedule.
    lambda_f_end: float = 0.0
    lambda_f_frames: float = 0.0

    def __post_init__(self):
        if not isinstance(self.discriminator, DiscriminatorConfig):
            object.__setattr__(self, "discriminator",
                               _parse(DiscriminatorConfig, "cpo.discriminator", self.discriminator))
        check_types(self, self.SECTION)
        for key in ("beta", "lambda_r", "lambda_adv"):
            if getattr(self, key) < 0:
                raise ConfigError(f"cpo.{key}={getattr(self, key)} must be >= 0 (0 switches it off)")
        if self.lambda_f <= 0:
            raise ConfigError(f"cpo.lambda_f={self.lambda_f} must be > 0 (it divides the advantage)")
        if self.weight_max <= 0:
            raise ConfigError(f"cpo.weight_max={self.weight_max} must be > 0")
        self._check_temperature()

    @property
    def lambda_f_mode(self) -> str:
        """``target`` (adapted to ``kl_target``), ``schedule`` or ``fixed``."""
        if self.kl_target > 0:
            return "target"
        return "schedule" if self.lambda_f_frames > 0 else "fixed"

    def _check_temperature(self) -> None:
        for key in ("kl_target", "lambda_f_end", "lambda_f_frames"):
            if getattr(self, key) < 0:
                raise ConfigError(f"cpo.{key}={getattr(self, key)} must be >= 0 (0 switches it off)")
        if (self.lambda_f_end > 0) != (self.lambda_f_frames > 0):
            raise ConfigError(f"a lambda_f schedule needs both cpo.lambda_f_end (the value it ends "
                              f"at, > 0) and cpo.lambda_f_frames (the env steps it takes, > 0); got "
                              f"lambda_f_end={self.lambda_f_end}, lambda_f_frames={self.lambda_f_frames}")
        if self.kl_target > 0 and self.lambda_f_frames > 0:
            raise ConfigError(f"cpo.kl_target={self.kl_target} adapts lambda_f, and cpo.lambda_f_end/"
                              "lambda_f_frames schedule it: choose one (set kl_target=0 or "
                              "lambda_f_frames=0)")
        if self.lambda_f_mode != "fixed" and self.beta == 0:
            raise ConfigError(f"cpo.lambda_f acts only through the forward-KL term, which cpo.beta=0 "
                              f"switches off, so its {self.lambda_f_mode} would change nothing: set "
                              "cpo.beta > 0 (the paper's 0.001)")
        if self.kl_target > 0:
            if self.kl_target_step <= 0:
                raise ConfigError(f"cpo.kl_target_step={self.kl_target_step} must be > 0")
            if not 0 < self.lambda_f_min <= self.lambda_f <= self.lambda_f_max:
                raise ConfigError(f"cpo.kl_target starts every follower's lambda_f at cpo.lambda_f="
                                  f"{self.lambda_f}, which must lie in [cpo.lambda_f_min, "
                                  f"cpo.lambda_f_max] = [{self.lambda_f_min}, {self.lambda_f_max}] "
                                  "(both > 0): change lambda_f or the bounds")


@dataclass(frozen=True)
class DiagnosticsConfig(Section):
    """``train.params.config.diagnostics`` (docs/algorithm.md, Diagnostics)."""

    SECTION: ClassVar[str] = "diagnostics"

    every: int = 1               # epochs between diagnostics; 0 switches them off
    kl_states: int = 1024        # rollout states the inter-policy KL matrix averages over

    def __post_init__(self):
        check_types(self, self.SECTION)
        if self.every < 0 or self.kl_states < 1:
            raise ConfigError(f"diagnostics.every={self.every} must be >= 0 and "
                             f"diagnostics.kl_states={self.kl_states} >= 1")


SECTIONS = (SapgConfig, CpoConfig, DiagnosticsConfig)
