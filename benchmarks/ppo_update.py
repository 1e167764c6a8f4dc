# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Time one PPO update of our rsl_rl against the published rsl-rl-lib 5.5.1, measured in the same run.

Both sides get the same problem: an actor and a critic MLP [512, 256, 128] (ELU), a Gaussian policy with a learned
state-independent std, ``num_envs x num_steps`` samples of a 415-d observation and 23 actions, 5 epochs x 4
minibatches, Adam, adaptive learning rate, clipped value loss, grad-norm clipping. The rollout buffer is filled once
with random observations/rewards through each library's own ``act`` / ``process_env_step`` / ``compute_returns``;
each timed repeat then runs one full ``update()`` on it. After one warm-up update each, the two libraries' updates
are interleaved (ours, theirs, theirs, ours, ...) so both see the same background load. We report the median of
``--repeats`` timed updates and the ratio ours / theirs (< 1 means ours is faster).

rsl-rl-lib is installed into its own virtual environment (no system site-packages) under ``--venv_dir`` (default
``~/.cache/rsl_rl_bench/rsl-rl-lib-5.5.1``): first ``torch==2.13.0`` (which resolves to the local CPU wheel), then
``rsl-rl-lib==5.5.1``. A worker process runs there and times one update per request. Our side runs in this interpreter.

Usage::

    python benchmarks/ppo_update.py --num_envs 512 --repeats 3      # quick
    python benchmarks/ppo_update.py                                  # 4096 envs x 24 steps
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THEIR_VERSION = "5.5.1"
TORCH_VERSION = "2.13.0"

_WORKER = r'''
import json, statistics, sys, time
import torch
from tensordict import TensorDict
import rsl_rl
from importlib.metadata import version
from rsl_rl.algorithms import PPO

args = json.loads(sys.argv[1])
torch.manual_seed(0)
torch.set_num_threads(args["threads"])
N, T, D, A = args["num_envs"], args["num_steps"], args["obs_dim"], args["num_actions"]

class Env:
    num_envs = N
    num_actions = A

obs = TensorDict({"policy": torch.randn(N, D)}, batch_size=[N])
hidden = [512, 256, 128]
cfg = {
    "algorithm": {"class_name": "PPO", "num_learning_epochs": args["epochs"], "num_mini_batches": args["mini_batches"],
                  "learning_rate": 1e-3, "schedule": "adaptive", "desired_kl": 0.01, "clip_param": 0.2,
                  "gamma": 0.99, "lam": 0.95, "value_loss_coef": 1.0, "entropy_coef": 0.01, "max_grad_norm": 1.0,
                  "use_clipped_value_loss": True},
    "actor": {"class_name": "MLPModel", "hidden_dims": hidden, "activation": "elu", "obs_normalization": False,
              "distribution_cfg": {"class_name": "GaussianDistribution", "init_std": 1.0, "std_type": "scalar"}},
    "critic": {"class_name": "MLPModel", "hidden_dims": hidden, "activation": "elu", "obs_normalization": False},
    "obs_groups": {"actor": ["policy"], "critic": ["policy"]},
    "num_steps_per_env": T,
    "multi_gpu": None,
}
alg = PPO.construct_algorithm(obs, Env(), cfg, "cpu")
with torch.inference_mode():
    for t in range(T):
        alg.act(obs)
        obs = TensorDict({"policy": torch.randn(N, D)}, batch_size=[N])
        dones = torch.rand(N) < 0.02
        alg.process_env_step(obs, torch.randn(N), dones, {"time_outs": dones & (torch.rand(N) < 0.5)})
    alg.compute_returns(obs)
alg.train_mode() if hasattr(alg, "train_mode") else None
print("READY " + json.dumps({"torch": torch.__version__, "rsl_rl": version("rsl-rl-lib")}), flush=True)
for line in sys.stdin:  # one timed update per "update" line, so the caller can interleave with its own updates
    if line.strip() != "update":
        break
    alg.storage.step = T
    t0 = time.perf_counter()
    alg.update()
    print(f"TIME {time.perf_counter() - t0}", flush=True)
'''


class OurUpdate:
    """Our PPO with a filled rollout buffer (this interpreter); :meth:`run` times one update."""

    def __init__(self, a: argparse.Namespace) -> None:
        """Build the policy and fill the buffer with random data through act / process_env_step."""
        sys.path.insert(0, ROOT)
        import torch

        import rsl_rl
        from rsl_rl.algorithms import PPO
        from rsl_rl.config import AlgorithmCfg, PolicyCfg
        from rsl_rl.modules import ActorCritic

        torch.manual_seed(0)
        torch.set_num_threads(a.threads)
        n, self.num_steps, d, na = a.num_envs, a.num_steps, a.obs_dim, a.num_actions
        policy = PolicyCfg(obs_proc_actor={"obs": "identity"}, obs_proc_critic={"obs": "identity"})
        alg_cfg = AlgorithmCfg(num_learning_epochs=a.epochs, num_mini_batches=a.mini_batches)
        self.alg = PPO(ActorCritic({"obs": (d,)}, na, policy), alg_cfg)
        self.alg.init_storage(n, self.num_steps)
        obs = {"obs": torch.randn(n, d)}
        with torch.inference_mode():
            for _ in range(self.num_steps):
                self.alg.act(obs)
                obs = {"obs": torch.randn(n, d)}
                dones = torch.rand(n) < 0.02
                self.alg.process_env_step(torch.randn(n), dones, {"time_outs": dones & (torch.rand(n) < 0.5)})
            self.alg.compute_returns(obs)
        self.alg.train_mode()
        self.version = f"{rsl_rl.__version__} (torch {torch.__version__})"

    def run(self) -> float:
        """Seconds for one ``update()``."""
        assert self.alg.storage is not None
        self.alg.storage.step = self.num_steps
        t0 = time.perf_counter()
        self.alg.update()
        return time.perf_counter() - t0


def ensure_their_venv(venv_dir: str) -> str:
    """Create the rsl-rl-lib venv if needed; return its python."""
    python = os.path.join(venv_dir, "bin", "python")
    marker = os.path.join(venv_dir, ".installed")
    if os.path.isfile(marker):
        return python
    print(f"[bench] creating {venv_dir} (torch=={TORCH_VERSION}, then rsl-rl-lib=={THEIR_VERSION}) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", venv_dir], check=True)  # no --system-site-packages
    pip = [python, "-m", "pip", "install", "--quiet"]
    for requirement in (f"torch=={TORCH_VERSION}", f"rsl-rl-lib=={THEIR_VERSION}"):  # torch first: the CPU wheel
        proc = subprocess.run([*pip, requirement], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"pip install {requirement} into {venv_dir} failed:\n{proc.stdout[-2000:]}\n"
                               f"{proc.stderr[-4000:]}")
    with open(marker, "w") as f:
        f.write("ok\n")
    return python


class TheirUpdate:
    """rsl-rl-lib's PPO in a worker process in its own venv; :meth:`run` times one update there."""

    def __init__(self, a: argparse.Namespace) -> None:
        """Start the worker and wait until its buffer is filled."""
        python = ensure_their_venv(a.venv_dir)
        args = {k: getattr(a, k) for k in ("num_envs", "num_steps", "obs_dim", "num_actions", "epochs",
                                            "mini_batches", "threads")}
        self._tmp = tempfile.TemporaryDirectory()
        worker = os.path.join(self._tmp.name, "their_ppo_worker.py")
        with open(worker, "w") as f:
            f.write(_WORKER)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self._stderr = open(os.path.join(self._tmp.name, "stderr.txt"), "w+")  # a file: a full pipe would block
        self.proc = subprocess.Popen([python, worker, json.dumps(args)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr, text=True, cwd=self._tmp.name,
                                     env=env)
        info = json.loads(self._expect("READY "))
        self.version = f"{info['rsl_rl']} (torch {info['torch']})"

    def _expect(self, prefix: str) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return line[len(prefix):]
        code = self.proc.wait()
        self._stderr.seek(0)
        err = self._stderr.read()
        raise RuntimeError(f"rsl-rl-lib worker exited (code {code}):\n{err[-4000:]}")

    def run(self) -> float:
        """Seconds for one ``update()`` in the worker."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("update\n")
        self.proc.stdin.flush()
        return float(self._expect("TIME "))

    def close(self) -> None:
        """Stop the worker."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self._stderr.close()
        self._tmp.cleanup()


def main() -> None:
    """Parse flags, time both libraries, print a table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--num_envs", type=int, default=4096)
    p.add_argument("--num_steps", type=int, default=24)
    p.add_argument("--obs_dim", type=int, default=415)
    p.add_argument("--num_actions", type=int, default=23)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--mini_batches", type=int, default=4)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--venv_dir", default=os.path.join(os.path.expanduser("~"), ".cache", "rsl_rl_bench",
                                                      f"rsl-rl-lib-{THEIR_VERSION}"))
    p.add_argument("--skip_theirs", action="store_true", help="only time our implementation")
    a = p.parse_args()
    if a.repeats < 1:
        p.error(f"--repeats must be >= 1, got {a.repeats}")

    import torch

    print(f"[bench] {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, threads={a.threads}, "
          f"torch {torch.__version__}, python {platform.python_version()}")
    print(f"[bench] batch {a.num_envs} envs x {a.num_steps} steps = {a.num_envs * a.num_steps} samples, "
          f"obs {a.obs_dim}, actions {a.num_actions}, {a.epochs} epochs x {a.mini_batches} minibatches, "
          "MLP [512, 256, 128]")
    timers: list[OurUpdate | TheirUpdate] = [OurUpdate(a)]
    if not a.skip_theirs:
        timers.append(TheirUpdate(a))
    for t in timers:  # warm-up, not timed
        t.run()
    times: list[list[float]] = [[] for _ in timers]
    for r in range(a.repeats):  # interleaved (ABBA order) so both see the same background load
        order = list(range(len(timers))) if r % 2 == 0 else list(reversed(range(len(timers))))
        for i in order:
            times[i].append(timers[i].run())
        latest = ", ".join(f"{ts[-1]:.3f}s" for ts in times)
        print(f"[bench] repeat {r + 1}/{a.repeats}: {latest}", flush=True)
    for t in timers:
        if isinstance(t, TheirUpdate):
            t.close()
    names = ["ours (rsl_rl " + timers[0].version + ")"] + [f"rsl-rl-lib {t.version}" for t in timers[1:]]
    rows = list(zip(names, times, strict=True))
    print(f"\n{'implementation':<42} {'median [s]':>11} {'min [s]':>9} {'max [s]':>9}")
    for name, times in rows:
        print(f"{name:<42} {statistics.median(times):>11.3f} {min(times):>9.3f} {max(times):>9.3f}")
    if len(rows) == 2:
        ratio = statistics.median(rows[0][1]) / statistics.median(rows[1][1])
        print(f"\nratio ours / theirs (median): {ratio:.3f}  ({'ours faster' if ratio < 1 else 'theirs faster'})")
        print(f"ratio ours / theirs (min):    {min(rows[0][1]) / min(rows[1][1]):.3f}  (less sensitive to other load)")


if __name__ == "__main__":
    main()
