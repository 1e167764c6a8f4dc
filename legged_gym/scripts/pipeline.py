"""Run a chain of training stages, each starting from the previous one (the seed's four-stage recipe).

    python legged_gym/scripts/pipeline.py --config resources/pipelines/videomimic.yaml [--log_root DIR]
        [--restart] [--dry_run] [-- <flags added to every stage>]

The config (YAML) names the pipeline and lists its stages; each stage is one ``train.py`` run::

    name: videomimic
    stages:
      - name: mocap_pretraining          # a folder-safe name
        task: g1_deepmimic
        args: [--num_envs, "4096", --max_iterations, "20000"]   # train.py flags and --env.* / --train.* overrides
      - name: terrain_tracking
        task: g1_deepmimic_proj_heightfield
        resume_from: previous            # --resume from the previous stage's last checkpoint (non-strict,
        args: [...]                      #   so new inputs such as a zero-gated height map may be added)
      - name: distillation
        task: g1_deepmimic_root_heightfield_no_history_dagger
        teacher: previous                # --train.algorithm.policy_to_clone=<the previous stage's run>
      - name: student_finetune
        task: g1_deepmimic_root_heightfield_no_history_dagger
        resume_from: previous
        args: [--train.algorithm.bc_loss_coef=0]

``resume_from`` and ``teacher`` take ``previous`` or the name of an earlier stage. A stage with ``run: <folder>``
trains nothing: that existing run (a run folder or a shipped policy such as ``resources/policies/g1_deepmimic``)
stands for it, so a chain can start from a teacher trained earlier. The pipeline's state is kept in
``<log root>/pipelines/<name>/state.json``: a finished stage is not run again, and a stage stopped part-way (Ctrl-C
saves a checkpoint) continues from its newest checkpoint for the iterations it has left, so the same command picks
the chain up after a stop at any stage. ``--restart`` forgets the state. Each stage's output streams to the console
and to ``<log root>/pipelines/<name>/<stage>.log``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from legged_gym.utils.helpers import split_passthrough  # noqa: E402
from legged_gym.utils.yaml_files import load_yaml  # noqa: E402
from rsl_rl.utils.checkpoints import CheckpointError, latest_checkpoint_in, load_checkpoint  # noqa: E402

TRAIN = os.path.join(ROOT, "legged_gym", "scripts", "train.py")
STAGE_FIELDS = ("name", "task", "args", "resume_from", "teacher", "run")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass
class Stage:
    name: str
    task: str
    args: list[str] = field(default_factory=list)
    resume_from: str | None = None
    teacher: str | None = None
    run: str | None = None  # an existing run folder (or checkpoint) that stands for this stage: nothing is trained


def read_config(path: str) -> tuple[str, list[Stage]]:
    """Parse and check a pipeline config; errors name the file, the stage and the field."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--config {path}: no such file")
    data = load_yaml(path, "pipeline config")
    if not isinstance(data, dict) or not isinstance(data.get("stages"), list) or not data["stages"]:
        raise ValueError(f"{path}: expected a mapping with 'name' and a non-empty list 'stages'")
    name = str(data.get("name") or os.path.splitext(os.path.basename(path))[0])
    if not NAME_RE.match(name):
        raise ValueError(f"{path}: field 'name': expected letters, digits, '_', '-' or '.', got {name!r}")
    stages: list[Stage] = []
    for i, raw in enumerate(data["stages"]):
        where = f"{path}: stage {i + 1}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: expected a mapping, got {type(raw).__name__}")
        unknown = sorted(set(raw) - set(STAGE_FIELDS))
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {unknown}; expected {list(STAGE_FIELDS)}")
        for key in ("name", "task"):
            if not isinstance(raw.get(key), str) or not NAME_RE.match(raw[key]):
                raise ValueError(f"{where}: field '{key}': expected a name, got {raw.get(key)!r}")
        args = raw.get("args") or []
        if not isinstance(args, list) or not all(isinstance(a, (str, int, float)) for a in args):
            raise ValueError(f"{where}: field 'args': expected a list of strings, got {args!r}")
        stage = Stage(raw["name"], raw["task"], [str(a) for a in args], raw.get("resume_from"), raw.get("teacher"),
                      _given_run(raw.get("run"), where))
        earlier = [s.name for s in stages]
        for key in ("resume_from", "teacher"):
            ref = getattr(stage, key)
            if ref is not None and not (ref == "previous" and earlier) and ref not in earlier:
                raise ValueError(f"{where}: field '{key}': expected 'previous' or an earlier stage {earlier}, got {ref!r}")
        if stage.name in earlier:
            raise ValueError(f"{where}: stage name {stage.name!r} is used twice")
        stages.append(stage)
    return name, stages


def _given_run(value: object, where: str) -> str | None:
    """The absolute path of a stage's ``run`` (relative paths: from the working directory, else the project root);
    it must hold a checkpoint."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: field 'run': expected a run folder or checkpoint path, got {value!r}")
    path = value if os.path.isabs(value) or os.path.exists(value) else os.path.join(ROOT, value)
    try:
        latest_checkpoint_in(path) if os.path.isdir(path) else load_checkpoint(path)
    except (CheckpointError, FileNotFoundError, OSError) as exc:
        raise ValueError(f"{where}: field 'run': {value!r} holds no readable checkpoint ({exc})") from None
    return os.path.abspath(path)


def _flag_value(args: list[str], flag: str) -> str | None:
    for i, tok in enumerate(args):
        if tok == flag and i + 1 < len(args):
            return args[i + 1]
        if tok.startswith(flag + "="):
            return tok.split("=", 1)[1]
    return None


class Pipeline:
    """The stages of a config and what has been done of them (``state.json``)."""

    def __init__(self, config: str, log_root: str, extra: list[str], restart: bool = False) -> None:
        self.name, self.stages = read_config(config)
        self.log_root = os.path.abspath(log_root)
        self.extra = extra
        self.folder = os.path.join(self.log_root, "pipelines", self.name)
        os.makedirs(self.folder, exist_ok=True)
        self.state_path = os.path.join(self.folder, "state.json")
        self.state: dict[str, Any] = {"stages": {}}
        if os.path.exists(self.state_path) and not restart:
            with open(self.state_path) as f:
                self.state = json.load(f)

    def _save_state(self) -> None:
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f, indent=2)
        os.replace(tmp, self.state_path)

    def run_dir(self, ref: str, index: int) -> str:
        """The finished run of the stage ``ref`` ("previous" or a name) seen from stage ``index``."""
        name = self.stages[index - 1].name if ref == "previous" else ref
        info = self.state["stages"].get(name, {})
        if not info.get("done"):
            raise RuntimeError(f"stage {name!r} has not finished; it must run before stage {self.stages[index].name!r}")
        return info["runs"][-1]

    def command(self, index: int) -> list[str]:
        """The train.py command of stage ``index``; a stage stopped part-way continues from its newest checkpoint."""
        st = self.stages[index]
        info = self.state["stages"].get(st.name, {})
        args = [*st.args, *self.extra]
        cmd = [sys.executable, TRAIN, f"--task={st.task}", "--headless", "--log_root", self.log_root,
               "--run_name", f"{self.name}_{st.name}"]
        ckpt = None
        if info.get("runs"):
            try:
                ckpt = latest_checkpoint_in(info["runs"][-1])
            except CheckpointError:
                ckpt = None
        if ckpt is not None:
            cmd += ["--resume", "--load_run", info["runs"][-1]]
            if info.get("iterations") is not None:
                done = int(load_checkpoint(ckpt).get("iter", 0)) - int(info.get("start_iteration") or 0)
                args = _without(args, "--max_iterations") + ["--max_iterations", str(max(info["iterations"] - done, 0))]
        elif st.resume_from is not None:
            cmd += ["--resume", "--load_run", self.run_dir(st.resume_from, index),
                    "--train.runner.load_model_strict=False"]
        if st.teacher is not None:
            cmd += [f"--train.algorithm.policy_to_clone={self.run_dir(st.teacher, index)}"]
        return cmd + args

    def run(self, dry_run: bool = False) -> dict[str, str]:
        """Run every stage not finished yet; returns stage name -> its (last) run folder."""
        for i, st in enumerate(self.stages):
            info = self.state["stages"].setdefault(st.name, {"runs": [], "done": False})
            if st.run is not None:  # an existing run stands for this stage
                info.update(done=True, runs=[st.run])
                self._save_state()
                print(f"[pipeline] stage {i + 1}/{len(self.stages)} {st.name}: the given run {st.run}", flush=True)
                continue
            if info.get("done"):
                print(f"[pipeline] stage {i + 1}/{len(self.stages)} {st.name}: done earlier ({info['runs'][-1]})")
                continue
            cmd = self.command(i)
            print(f"[pipeline] stage {i + 1}/{len(self.stages)} {st.name}: " + " ".join(cmd[1:]), flush=True)
            if dry_run:
                info.update(done=True, runs=[f"<{st.name} run>"])
                continue
            if "iterations" not in info:
                it = _flag_value([*st.args, *self.extra], "--max_iterations")
                info["iterations"] = int(it) if it is not None else None
            code, run_dir = self._train(cmd, os.path.join(self.folder, f"{st.name}.log"))
            if run_dir is not None:
                if not info["runs"]:
                    info["start_iteration"] = self._start_iteration(run_dir)
                info["runs"].append(run_dir)
            info["done"] = code == 0 and run_dir is not None
            self._save_state()
            if not info["done"]:
                log = os.path.join(self.folder, st.name + ".log")
                raise SystemExit(f"[pipeline] stage {st.name} stopped; run the same command to continue it"
                                 if code == 130 else f"error: stage {st.name} failed (exit {code}); see {log}")
        return {name: info["runs"][-1] for name, info in self.state["stages"].items()}

    @staticmethod
    def _start_iteration(run_dir: str) -> int:
        try:
            with open(os.path.join(run_dir, "config.json")) as f:
                return int((json.load(f).get("resumed_from") or {}).get("iteration", 0))
        except (OSError, ValueError):
            return 0

    @staticmethod
    def _train(cmd: list[str], log_path: str) -> tuple[int, str | None]:
        run_dir = None
        with open(log_path, "a") as log, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                           text=True, cwd=ROOT) as proc:
            assert proc.stdout is not None
            try:
                for line in proc.stdout:
                    sys.stdout.write(line)
                    log.write(line)
                    m = re.match(r"^Run folder: (.+)$", line.strip())
                    if m and run_dir is None:
                        run_dir = m.group(1)
            except KeyboardInterrupt:  # the child got the same Ctrl-C: let it save its checkpoint
                proc.wait()
            return proc.wait(), run_dir


def _without(args: list[str], flag: str) -> list[str]:
    out, skip = [], False
    for tok in args:
        if skip:
            skip = False
            continue
        if tok == flag:
            skip = True
            continue
        if tok.startswith(flag + "="):
            continue
        out.append(tok)
    return out


def main(argv: list[str] | None = None) -> dict[str, str]:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, extra = split_passthrough(argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", required=True, help="pipeline YAML (see resources/pipelines/)")
    p.add_argument("--log_root", default=os.path.join(ROOT, "logs"), help="where the stages' runs go")
    p.add_argument("--restart", action="store_true", help="forget the recorded state and run every stage again")
    p.add_argument("--dry_run", action="store_true", help="print the stage commands without running them")
    a = p.parse_args(argv)
    runs = Pipeline(a.config, a.log_root, extra, restart=a.restart).run(dry_run=a.dry_run)
    print("[pipeline] finished: " + ", ".join(f"{k} -> {v}" for k, v in runs.items()))
    return runs


if __name__ == "__main__":
    try:
        main()
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        raise SystemExit(f"error: {exc}") from None
