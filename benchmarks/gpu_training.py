"""Train on a GPU with the MuJoCo Warp backend for a fixed budget and report speed and learning, in one run.

    python benchmarks/gpu_training.py [--task g1_deepmimic] [--device cuda:0] [--envs 4096] [--iterations 300]
        [--eval_interval 25] [--out benchmarks/results/gpu_training] [-- <train.py flags>]
    python benchmarks/gpu_training.py --task humanoid_ppo --iterations 1000
    python benchmarks/gpu_training.py --device warp-cpu --envs 4 --iterations 2 --steps_per_env 4   # smoke run

Runs ``train.py`` in this process (simulator and learner on ``--device``), then prints: env steps per second and
seconds per iteration (median over iterations after the first, which includes compilation and CUDA-graph
capture), and for tracking tasks frames tracked and success **from frame 0** against env steps and wall time
(the runner's periodic evaluation, ``eval_curve.csv``); for velocity tasks the mean episode length and reward.
Writes ``<out>/<task>_<envs>.md``. ``warp-cpu`` proves the script works on a machine without a GPU; its numbers
are not performance figures.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from legged_gym.scripts.train import train  # noqa: E402
from legged_gym.utils.helpers import get_args, split_passthrough  # noqa: E402
from rsl_rl.utils.csv_log import read_csv_rows  # noqa: E402


class Tee:
    """Copies what train.py prints, to read the per-iteration progress lines afterwards."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.stream, self.lines, self.t0 = stream, [], time.time()

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                self.lines.append((time.time() - self.t0, line))
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, extra = split_passthrough(argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="g1_deepmimic")
    p.add_argument("--device", default="cuda:0", help="cuda:N, or warp-cpu for a smoke run")
    p.add_argument("--envs", type=int, default=4096)
    p.add_argument("--iterations", type=int, default=300)
    p.add_argument("--steps_per_env", type=int, default=24)
    p.add_argument("--eval_interval", type=int, default=25)
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "gpu_training"))
    a = p.parse_args(argv)
    rl_device = a.device if a.device.startswith("cuda") else "cpu"
    args = get_args([
        f"--task={a.task}", "--headless", "--no_use_wandb", "--sim_device", a.device, "--rl_device", rl_device,
        "--num_envs", str(a.envs), "--max_iterations", str(a.iterations), "--log_root", os.path.join(a.out, "runs"),
        f"--train.runner.num_steps_per_env={a.steps_per_env}", f"--train.runner.eval_interval={a.eval_interval}",
        "--train.runner.save_interval=100000", *extra,
    ])
    tee = Tee(sys.stdout)
    sys.stdout = tee
    try:
        run = train(args)
    finally:
        sys.stdout = tee.stream
    progress = [(t, ln) for t, ln in tee.lines if ln.startswith("it ")]
    rates = [float(re.search(r"\| ([\d,]+) steps/s", ln).group(1).replace(",", "")) for _, ln in progress]
    times = [t1 - t0 for (t0, _), (t1, _) in zip(progress, progress[1:])]
    rate = statistics.median(rates[1:] or rates)
    per_iter = statistics.median(times) if times else float("nan")
    lines = [f"# {a.task} on {a.device}, {a.envs} envs x {a.steps_per_env} steps, {a.iterations} iterations", "",
             f"- env steps/s (median over iterations after the first): {rate:,.0f}",
             f"- seconds per iteration (median, evaluations included): {per_iter:.2f}",
             f"- wall time of the whole run: {tee.lines[-1][0]:.0f} s (first iteration at "
             f"{progress[0][0] if progress else float('nan'):.0f} s: building, compiling, graph capture)", ""]
    curve = read_csv_rows(os.path.join(run, "eval_curve.csv")) if run else []
    if curve:
        lines += ["| iteration | env steps | frames tracked from frame 0 | success from frame 0 |", "|---|---|---|---|"]
        lines += [f"| {r['iteration']} | {int(r['env_steps']):,} | {float(r['frames_tracked/mean']):.3f} | "
                  f"{float(r['success/mean']):.3f} |" for r in curve]
    else:
        last = progress[-1][1] if progress else ""
        lines.append(f"last progress line: `{last}`")
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, f"{a.task}_{a.envs}.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
