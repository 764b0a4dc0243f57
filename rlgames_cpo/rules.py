"""The one rule system every configured value is checked with: a rule's test and what it says
the value must be. ``check`` names the setting in the host's spelling (``rlgames_cpo.errors``)."""

import math

from rlgames_cpo.errors import ConfigError


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value):
    """``value`` as a float when it is a number (YAML reads ``5e-4`` as a string), else None."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _finite(value) -> bool:
    number = _number(value)
    return number is not None and math.isfinite(number)


def _cuda_or(*names):
    return lambda v: isinstance(v, str) and (v in names or (v.startswith("cuda:") and v[5:].isdigit()))


# rule name -> (test, what the value must be)
RULES = {
    "bool": (lambda v: isinstance(v, bool), "True or False"),
    "int": (_is_int, "an integer"),
    "positive_int": (lambda v: _is_int(v) and v > 0, "a positive integer"),
    "non_negative_int": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "epochs": (lambda v: _is_int(v) and (v > 0 or v == -1), "a positive integer (-1: no limit)"),
    "seed": (lambda v: _is_int(v) and v >= -1, "an integer >= 0 (-1: a random one)"),
    "positive": (lambda v: _finite(v) and _number(v) > 0, "a finite number > 0"),
    "non_negative": (lambda v: _finite(v) and _number(v) >= 0, "a finite number >= 0"),
    "number": (_finite, "a finite number"),
    # our sections' numbers: numbers, not strings that read as numbers
    "float": (lambda v: (_is_int(v) or isinstance(v, float)) and math.isfinite(v), "a finite number"),
    "ints": (lambda v: isinstance(v, (list, tuple)) and all(_is_int(u) for u in v),
             "a list of integers"),
    "discount": (lambda v: _finite(v) and 0 < _number(v) <= 1, "a number in (0, 1]"),
    "fraction": (lambda v: _finite(v) and 0 <= _number(v) <= 1, "a number in [0, 1]"),
    "text": (lambda v: isinstance(v, str), "a string"),
    "name": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
    "optional_positive": (lambda v: v == "" or (_finite(v) and _number(v) > 0),
                          "a number > 0, or '' for none"),
    "optional_positive_int": (lambda v: v == "" or (_is_int(v) and v > 0),
                              "a positive integer, or '' for the default"),
    "strings": (lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
                "a list of strings"),
    "device": (_cuda_or("auto", "cpu", "cuda"), "auto, cpu, cuda or cuda:<index>"),
    "sim_device": (_cuda_or("cpu", "cuda"), "cpu, cuda or cuda:<index>"),
    "physics_engine": (lambda v: v in ("physx", "flex"), "physx or flex"),
    "pipeline": (lambda v: v in ("gpu", "cpu"), "gpu or cpu"),
    "lr_schedule": (lambda v: v in (None, "None", "adaptive", "linear", "identity"),
                    "adaptive, linear or None"),
}


def check(key: str, value, rule: str, example, *, params: bool = True, shown=None) -> None:
    """Stops when ``value`` breaks ``rule``. ``key``: a path under rl_games' params
    (``config.gamma``) or, with ``params=False``, a top-level key of our train.py (``seed``);
    ``shown``: the value as the message shows it (default ``value``)."""
    test, requirement = RULES[rule]
    if test(value):
        return
    shown = value if shown is None else shown

    def say(s):
        setting = (lambda v: s.setting(key, v)) if params else (lambda v: f"{key}={v}")
        return f"{setting(repr(shown))} must be {requirement}: e.g. {setting(example)}"

    raise ConfigError(say)
