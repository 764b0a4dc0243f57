"""``algo.name: a2c_continuous`` (PPO) and the base of SapgAgent and CpoAgent: rl_games'
continuous PPO agent that scales out with torchrun on GPUs or CPUs, resumes exactly, writes a
checkpoint on SIGINT/SIGTERM and stops on non-finite values instead of saving them.

Distributed training (``multi_gpu=True`` under torchrun): every rank steps its own ``num_envs``
envs; rl_games all-reduces the gradients (mean) and the KL, rank 0 schedules the learning rate and
broadcasts it; we keep the normalisers in sync (pooled every iteration) and anything in
``_replicated_modules`` (CPO's discriminator) starting from rank 0's weights.
"""

import os
import shutil
import socket
import tempfile
import time

import torch
from rl_games.algos_torch import torch_ext
from rl_games.algos_torch.a2c_continuous import A2CAgent

from rlgames_cpo import summaries
from rlgames_cpo.adapters import checkpoints, distributed
from rlgames_cpo.adapters.block_env import check_critic_states
from rlgames_cpo.adapters.stopping import (NonFiniteError, StopSignals, TrainingInterrupted,
                                            non_finite, non_finite_envs)
from rlgames_cpo.errors import TRAIN_PY, ConfigError
from rlgames_cpo.settings import Settings

EPISODE_METERS = ("game_rewards", "game_shaped_rewards", "game_lengths")
# The asymmetric critic's frame (the x axis of its logged loss), epoch and learning rate.
CENTRAL_VALUE_COUNTERS = ("frame", "epoch_num", "lr")
# rl-games 1.6.5's key for the critic's optimiser; Isaac Lab's fork saves none (adapters.flavour)
CENTRAL_VALUE_OPTIMIZER = "assymetric_vf_optimizer"
# What the rollout carries from one iteration into the next, besides the observation.
ROLLOUT_CARRY = ("dones", "current_rewards", "current_shaped_rewards", "current_lengths")


def check_mixed_precision(config: dict) -> None:
    """rl_games 1.6.5 autocasts with ``torch.amp.autocast('cuda', bfloat16)``, which leaves CPU
    tensors in float32 (and its GradScaler disables itself): on a CPU the flag does nothing. Many
    stock configs (IsaacGymEnvs' AllegroKuka, Humanoid, Anymal; Isaac Lab's Anymal) set it, so
    this says so rather than refusing them."""
    device = str(config.get("device", "cuda:0"))
    if config.get("mixed_precision") and not device.startswith("cuda"):
        print(f"[rlgames_cpo] mixed_precision=True has no effect on {device}: rl_games autocasts "
              "on CUDA only, so this run trains in float32", flush=True)


def wait_for_a_new_events_file(config: dict) -> None:
    """TensorBoard names its events file after the second the writer is made and the host, and
    opens it for writing: a run that makes its writer in the same second as an earlier run of
    the same folder did (a resume or a failed start right after a short run) would empty that
    run's events file. Waits for the next second then."""
    name = config.get("full_experiment_name")
    if not name:
        return
    events = os.path.join(config.get("train_dir", "runs"), name, "summaries",
                          f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}")
    if os.path.exists(events):
        time.sleep(1.01 - time.time() % 1)


class PpoAgent(A2CAgent):
    """rl_games' ``A2CAgent`` plus multi-process training on any device, exact resume, stop
    signals and non-finite checks. Subclasses may override ``_prepare_params`` (the params the
    rl_games constructor sees), ``_generators`` (random streams to checkpoint) and
    ``_replicated_modules`` (modules besides the model that every rank must hold identically)."""

    spelling = TRAIN_PY  # the host's (rlgames_cpo.register sets it)

    def __init__(self, base_name, params):
        config = params["config"]
        self.algo_name = params["algo"]["name"]
        # Every check, before rl_games builds the envs (and for every host).
        self.settings = Settings.of(params)
        check_mixed_precision(config)
        self.ranks = distributed.Ranks()
        if config.get("multi_gpu"):
            self.ranks = distributed.join(config.get("device", "cuda:0"))
            config["device"] = distributed.rank_device(config.get("device", "cuda:0"), self.ranks)
        wait_for_a_new_events_file(config)
        self._init_rl_games(base_name, self._prepare_params(params))
        # The env's own info: rl_games puts the observation space in env_info's missing
        # state_space, then fails at the first rollout on the missing 'states'
        if self.vec_env is not None:
            check_critic_states(config, self.vec_env.get_env_info())
        self.last_checkpoint = None
        self._stop = None
        self._resume = None
        self._restored_best = None

    def _prepare_params(self, params: dict) -> dict:
        return params

    def _generators(self) -> dict:
        return {}

    def _replicated_modules(self) -> list:
        return []

    def _init_rl_games(self, base_name, params):
        """``A2CAgent.__init__`` without its ``multi_gpu`` block, which would start NCCL on
        ``cuda:<local_rank>``; ``distributed.join`` has joined with the backend of the device."""
        config = params["config"]
        if not config.get("multi_gpu"):
            return super().__init__(base_name, params)
        train_dir = config.get("train_dir", "runs")
        scratch = None
        if not self.ranks.is_main:
            # As in rl_games: rank 0 alone prints and schedules the lr (broadcast to the others).
            config.update(print_stats=False, lr_schedule=None)
            # rl_games makes the run folders and a SummaryWriter on every rank; the run folder
            # is rank 0's, so the others make theirs in a scratch folder.
            scratch = config["train_dir"] = tempfile.mkdtemp(prefix="rlgames_cpo_rank")
        config["multi_gpu"] = False
        try:
            super().__init__(base_name, params)
        finally:
            config.update(multi_gpu=True, train_dir=train_dir)
        self.multi_gpu = True
        self.global_rank, self.world_size = self.ranks.rank, self.ranks.world_size
        # rl_games' train() calls torch.cuda.set_device(self.local_rank), a documented no-op for
        # a negative index: what a CPU rank needs.
        self.local_rank = self.ranks.local_rank if str(self.ppo_device).startswith("cuda") else -1
        if self.has_central_value:
            self.central_value_net.multi_gpu = True
            self.central_value_net.world_size = self.world_size
        if scratch:
            self.writer.close()
            self.writer = None
            shutil.rmtree(scratch, ignore_errors=True)
            self.train_dir = train_dir
            self.experiment_dir = os.path.join(train_dir, self.experiment_name)
            self.nn_dir = os.path.join(self.experiment_dir, "nn")
            self.summaries_dir = os.path.join(self.experiment_dir, "summaries")

    # ---- training loop -------------------------------------------------------------------

    def train(self):
        # Built and restored: the run is known to start (launch writes its config.yaml then).
        before_training = getattr(self.algo_observer, "before_training", None)
        if before_training is not None and self.ranks.is_main:
            before_training(self)
        if self.ranks.is_main:  # the dashboard: TensorBoard's "CUSTOM SCALARS" tab
            self.writer.add_custom_scalars(summaries.dashboard_layout())
        with StopSignals() as self._stop:
            if self.multi_gpu:
                for module in self._replicated_modules():
                    distributed.broadcast_module(module)
            return super().train()

    def update_epoch(self):
        # rl_games' loop calls this first in every iteration, when the previous one is complete
        # (update, logs, checkpoints): a checkpoint written here resumes exactly.
        received = self._stop.received if self._stop else None
        if self.multi_gpu and distributed.any_rank(received is not None, self.ppo_device):
            received = received or "a stop signal on another rank"
        if received:
            path = None
            if self.ranks.is_main:
                path = os.path.join(self.nn_dir, f"{self.config['name']}_interrupted_ep_{self.epoch_num}")
                self.save(path)
                path += ".pth"
            raise TrainingInterrupted(received, self.epoch_num, path)
        return super().update_epoch()

    def env_reset(self):
        # rl_games' train() resets the envs and forgets the best reward just after a restore:
        # a resumed run puts back the best reward and, when the env restored its whole state,
        # the rollout state, once.
        if self._restored_best is not None:
            self.last_mean_rewards, self._restored_best = self._restored_best, None
        resume, self._resume = self._resume, None
        if resume is None:
            return self._checked_widths(super().env_reset())
        for name in ROLLOUT_CARRY:
            getattr(self, name).copy_(resume[name])
        for state, saved in zip(self.rnn_states or [], resume["rnn_states"] or []):
            state.copy_(saved)
        for state, saved in zip(self._central_rnn_states(), resume.get("central_rnn_states") or []):
            state.copy_(saved)
        return self.obs_to_tensors(resume["obs"])  # also tells rl_games the env speaks torch

    def _checked_widths(self, obs: dict) -> dict:
        """The env's first observations and states have the widths its spaces declare: a
        mismatch would surface as a TorchScript size error deep in the network."""
        declared = {"obs": self.obs_shape}
        if self.has_central_value:
            declared["states"] = self.state_shape
        for key, shape in declared.items():
            value = obs.get(key) if isinstance(obs, dict) else None
            if isinstance(shape, dict) or not torch.is_tensor(value):
                continue  # dict observations: rl_games checks none either
            if tuple(value.shape[1:]) != tuple(shape):
                space = "observation_space" if key == "obs" else "state_space"
                raise ConfigError(f"the env's first {key!r} are {tuple(value.shape[1:])} wide but "
                                  f"its {space} declares {tuple(shape)}: the env (or its wrapper) "
                                  f"must declare the {space} of what it returns")
        return obs

    def env_step(self, actions):
        try:
            obs, rewards, dones, infos = super().env_step(actions)
        except FloatingPointError as error:  # raised by our envpool adapter
            raise NonFiniteError(self.epoch_num, str(error), self.last_checkpoint) from error
        observed = obs["obs"].values() if isinstance(obs["obs"], dict) else [obs["obs"]]
        bad = non_finite_envs(*observed, rewards)
        if bad:
            raise NonFiniteError(self.epoch_num, f"non-finite observations or rewards from envs "
                                 f"{bad[:8]} (the simulation diverged)", self.last_checkpoint)
        return obs, rewards, dones, infos

    def _central_rnn_states(self) -> list:
        """The asymmetric critic's LSTM states, which the rollout carries like the actor's."""
        return (self.central_value_net.rnn_states or []) if self.has_central_value else []

    def _networks(self) -> list:
        """The trained networks: the actor-critic and, with ``central_value_config``, the
        asymmetric critic (rl_games' ``CentralValueTrain``)."""
        return [self.model] + ([self.central_value_net] if self.has_central_value else [])

    def train_epoch(self):
        starts = None
        if self.multi_gpu:
            starts = [distributed.moments(n) for n in distributed.normalisers(*self._networks())]
        result = super().train_epoch()
        a_losses, c_losses = result[4], result[5]
        parameters = {f"{label}{name}": p
                      for label, net in zip(("", "central value "), self._networks())
                      for name, p in net.named_parameters()}
        bad = non_finite({"actor loss": torch.stack(a_losses),
                          "critic loss": torch.stack(c_losses), **parameters})
        if self.multi_gpu and distributed.any_rank(bool(bad), self.ppo_device) and not bad:
            bad = ["losses on another rank"]
        if bad:
            raise NonFiniteError(self.epoch_num, f"non-finite {', '.join(bad[:4])} after the "
                                 "update", self.last_checkpoint)
        if self.multi_gpu:
            distributed.pool_normalisers(self._networks(), starts)
        return result

    # ---- checkpoints ---------------------------------------------------------------------

    def save(self, fn):
        """Replaces rl_games 1.6.5 ``A2CBase.save`` because its ``safe_filesystem_op`` retries
        for 31 s, then names neither the file nor the error, and writes in place (a kill mid-write
        leaves a broken checkpoint): refuses non-finite weights, writes atomically, says what to
        do on a full or read-only disk."""
        state = self.get_full_state_weights()
        bad = non_finite(state["model"])
        if bad:
            raise NonFiniteError(self.epoch_num, f"non-finite {bad[0]} in the model",
                                 self.last_checkpoint)
        print(f"=> saving checkpoint '{fn}.pth'")
        try:
            checkpoints.save_atomically(state, fn + ".pth")
        except OSError as error:
            last = (f"resume with checkpoint={self.last_checkpoint}" if self.last_checkpoint
                    else "no checkpoint was written before")
            raise OSError(error.errno, f"iteration {self.epoch_num}: {error.strerror}; free "
                          f"disk space or make {os.path.dirname(fn) or '.'} writable, then "
                          f"{last}") from error
        self.last_checkpoint = fn + ".pth"

    def restore(self, fn, set_epoch=True):
        """Replaces rl_games 1.6.5 ``A2CBase.restore`` because it fails inside
        ``load_state_dict`` on another algorithm's or network's checkpoint: says which, first."""
        checkpoint = torch_ext.load_checkpoint(fn)
        problem = checkpoints.incompatibility(
            checkpoint, fn, self.algo_name, self.model.state_dict(),
            self.central_value_net.state_dict() if self.has_central_value else None)
        if problem:
            raise problem.spelled(self.spelling)
        self.set_full_state_weights(checkpoint, set_epoch=set_epoch)
        self.last_checkpoint = fn

    def get_full_state_weights(self):
        state = super().get_full_state_weights()
        rollout = {name: getattr(self, name, None) for name in ROLLOUT_CARRY}
        rollout.update(obs=getattr(self, "obs", None), rnn_states=getattr(self, "rnn_states", None),
                       central_rnn_states=self._central_rnn_states())
        state[checkpoints.KEY] = {
            "algo": self.algo_name,
            "last_lr": self.last_lr,
            "entropy_coef": self.entropy_coef,
            "rng": checkpoints.rng_state(self._generators()),
            "meters": {name: checkpoints.meter_state(getattr(self, name)) for name in EPISODE_METERS},
            "rollout": rollout,
        }
        if self.normalize_rms_advantage:
            state[checkpoints.KEY]["advantage_mean_std"] = self.advantage_mean_std.state_dict()
        if self.has_central_value:  # rl_games keeps the critic's own counters out of checkpoints
            net = self.central_value_net
            state[checkpoints.KEY]["central_value"] = {name: getattr(net, name)
                                                       for name in CENTRAL_VALUE_COUNTERS}
            if CENTRAL_VALUE_OPTIMIZER not in state:  # Isaac Lab's fork does not save it
                state[checkpoints.KEY]["central_value_optimizer"] = net.optimizer.state_dict()
        return state

    def set_full_state_weights(self, weights, set_epoch=True):
        super().set_full_state_weights(weights, set_epoch=set_epoch)
        ours = weights.get(checkpoints.KEY)
        if ours is None:  # a stock rl_games checkpoint: weights, optimiser and counters only
            return
        self.last_lr, self.entropy_coef = ours["last_lr"], ours["entropy_coef"]
        # Rank 0's global streams; other ranks keep their own (their envs differ anyway).
        checkpoints.set_rng_state(ours["rng"], self._generators(), global_streams=self.ranks.is_main)
        for name, meter in ours["meters"].items():
            checkpoints.set_meter_state(getattr(self, name), meter)
        if "advantage_mean_std" in ours and self.normalize_rms_advantage:
            self.advantage_mean_std.load_state_dict(ours["advantage_mean_std"])
        if "central_value" in ours and self.has_central_value:
            for name, value in ours["central_value"].items():
                setattr(self.central_value_net, name, value)
            if "central_value_optimizer" in ours and CENTRAL_VALUE_OPTIMIZER not in weights:
                self.central_value_net.optimizer.load_state_dict(ours["central_value_optimizer"])
            self.central_value_net.update_lr(self.central_value_net.lr)
        self._restored_best = weights.get("last_mean_rewards")
        env_restored = (weights.get("env_state") is not None
                        and getattr(self.vec_env, "exact_env_state", False))
        if env_restored and self.ranks.world_size == 1 and ours["rollout"]["obs"] is not None:
            self._resume = ours["rollout"]
            return
        reason = ("the checkpoint holds rank 0's envs only" if self.ranks.world_size > 1
                  else "this env cannot restore its simulation state")
        print(f"[rlgames_cpo] resuming after iteration {self.epoch_num}: every env starts a new "
              f"episode ({reason}); everything else continues from the checkpoint")
