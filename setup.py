"""What pyproject.toml cannot say: the configs, kept in cfg/ at the top level (IsaacGymEnvs' layout,
beside train.py), ship in the wheel as the package data rlgames_cpo/cfg, where an installed
package reads them (rlgames_cpo.hydra_setup.CFG_DIR)."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["rlgames_cpo*"]) + ["rlgames_cpo.cfg"],
      package_dir={"rlgames_cpo.cfg": "cfg"},
      package_data={"rlgames_cpo.cfg": ["*.yaml", "*/*.yaml"]})
