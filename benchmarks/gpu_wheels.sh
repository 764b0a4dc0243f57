#!/usr/bin/env bash
# Wheels for `gpu_check.py --wheels DIR` on a machine without a package registry (the lent GPU
# machine: Python 3.12 with torch, numpy, scipy, tensorboard, matplotlib, psutil). The versions
# are this project's environment's. Usage: bash benchmarks/gpu_wheels.sh DIR [PYTHON_VERSION]
set -euo pipefail
dir=${1:?usage: gpu_wheels.sh DIR [PYTHON_VERSION, default 3.12]}
python_version=${2:-3.12}
# pure Python; antlr4 4.9.3 and gym 0.23.1 are sdists only, so they are built into wheels here
pip wheel --quiet --no-deps -w "$dir" rl-games==1.6.5 gymnasium==1.4.0 tensorboardX==2.6.5 \
    hydra-core==1.3.8 omegaconf==2.3.1 antlr4-python3-runtime==4.9.3 gym==0.23.1 \
    gym-notices==0.1.0 cloudpickle==3.1.2 farama-notifications==0.0.6 typing-extensions==4.16.0
# compiled: the target interpreter's wheels
pip download --quiet --no-deps --only-binary=:all: --python-version "$python_version" \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 -d "$dir" \
    PyYAML==6.0.3 setproctitle==1.3.8 watchdog==7.1.0
ls "$dir"
