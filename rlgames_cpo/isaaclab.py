"""The module Isaac Lab users name: ``--task rlgames_cpo.isaaclab:<task id>`` (Isaac Lab 2.x) and
our ``isaaclab.tasks`` entry point (Isaac Lab 3.0) import it, which installs the Isaac Lab host
(``rlgames_cpo.hosts.isaaclab``): every rl_games Runner built afterwards knows sapg and cpo."""

from rlgames_cpo.hosts.isaaclab import HOOKED, install  # noqa: F401  (HOOKED: for tests)

install()
