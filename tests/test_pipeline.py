"""pipeline.py: the seed's four stages chained at tiny sizes, each loading the previous stage's weights."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
import yaml

from legged_gym.envs import task_registry
from legged_gym.scripts.pipeline import main as pipeline_main
from legged_gym.scripts.pipeline import read_config
from legged_gym.utils.helpers import get_args
from rsl_rl.modules.actor_critic import ActorCritic
from rsl_rl.config import PolicyCfg, coerce_cfg
from rsl_rl.utils.checkpoints import latest_checkpoint_in, load_checkpoint
from tests.env_helpers import make_task_env

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--num_envs", "4", "--max_iterations", "2", "--train.runner.num_steps_per_env=4", "--no_use_wandb",
        "--num_threads", "1"]


@pytest.mark.parametrize("config", ["videomimic", "videomimic_cpu"])
def test_bundled_pipeline_config_is_valid_for_every_stage(config: str) -> None:
    name, stages = read_config(os.path.join(ROOT, "resources", "pipelines", f"{config}.yaml"))
    assert name == config and [s.task for s in stages] == [
        "g1_deepmimic", "g1_deepmimic_proj_heightfield", "g1_deepmimic_root_heightfield_no_history_dagger",
        "g1_deepmimic_root_heightfield_no_history_dagger"]
    for st in stages:  # every flag and override is known to the stage's task
        task_registry.load_cfgs(st.task, get_args([f"--task={st.task}", *st.args]))


def test_a_given_run_stands_for_a_stage(tmp_path) -> None:  # noqa: ANN001
    """``run:`` makes an existing run (here the shipped teacher) a finished stage that the next one resumes from."""
    shipped = os.path.join(ROOT, "resources", "policies", "g1_deepmimic")
    cfg = {"name": "from_shipped", "stages": [
        {"name": "teacher", "task": "g1_deepmimic", "run": "resources/policies/g1_deepmimic"},
        {"name": "student", "task": "g1_deepmimic_root_heightfield_no_history_dagger", "teacher": "previous"}]}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(cfg))
    runs = pipeline_main(["--config", str(path), "--log_root", str(tmp_path / "logs"), "--dry_run"])
    assert runs["teacher"] == shipped
    state = json.load(open(tmp_path / "logs" / "pipelines" / "from_shipped" / "state.json"))
    assert state["stages"]["teacher"] == {"runs": [shipped], "done": True}
    cfg["stages"][0]["run"] = str(tmp_path)  # no checkpoint there
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ValueError, match=r"stage 1: field 'run': .* holds no readable checkpoint"):
        read_config(str(path))


def _policy(ckpt: dict) -> ActorCritic:
    ac = ActorCritic({k: tuple(v) for k, v in ckpt["obs_shapes"].items()}, ckpt["num_actions"],
                     coerce_cfg(ckpt["policy_cfg"], PolicyCfg))
    ac.load_state_dict(ckpt["model_state_dict"])
    return ac.eval()


def _first_checkpoint_of(run_dir: str) -> dict:
    """The weights a stage started with: its config records the checkpoint it resumed from."""
    with open(os.path.join(run_dir, "config.json")) as f:
        return json.load(f)


@pytest.mark.slow
def test_four_stages_chain_and_each_loads_the_previous(tmp_path) -> None:  # noqa: ANN001
    cfg = {"name": "tiny", "stages": [
        {"name": "mocap", "task": "g1_deepmimic", "args": TINY},
        {"name": "terrain", "task": "g1_deepmimic_proj_heightfield", "resume_from": "previous",
         "args": [*TINY, "--train.policy.re_init_std=True", "--train.policy.init_noise_std=0.5"]},
        {"name": "distill", "task": "g1_deepmimic_root_heightfield_no_history_dagger", "teacher": "previous",
         "args": TINY},
        {"name": "finetune", "task": "g1_deepmimic_root_heightfield_no_history_dagger", "resume_from": "previous",
         "args": [*TINY, "--train.algorithm.bc_loss_coef=0"]},
    ]}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    logs = tmp_path / "logs"
    runs = pipeline_main(["--config", str(path), "--log_root", str(logs)])
    assert list(runs) == ["mocap", "terrain", "distill", "finetune"]
    ck = {name: load_checkpoint(latest_checkpoint_in(run)) for name, run in runs.items()}

    # stage 2 resumed stage 1's last checkpoint, and with the gate at zero it acts exactly as stage 1
    terrain_cfg = _first_checkpoint_of(runs["terrain"])
    assert terrain_cfg["resumed_from"]["checkpoint"] == latest_checkpoint_in(runs["mocap"])
    env, _ = make_task_env("g1_deepmimic_proj_heightfield", num_envs=4)
    obs = env.get_observations()
    stage1 = _policy(ck["mocap"])
    stage2 = ActorCritic({k: tuple(v.shape[1:]) for k, v in obs.items()}, 23,
                         coerce_cfg(ck["terrain"]["policy_cfg"], PolicyCfg)).eval()
    missing = stage2.load_state_dict(ck["mocap"]["model_state_dict"], strict=False).missing_keys
    assert missing and all("terrain_height" in k for k in missing)
    obs["terrain_height"] = torch.randn_like(obs["terrain_height"])  # whatever the map, the zero gate ignores it
    with torch.no_grad():
        assert torch.equal(stage2.act_inference(obs), stage1.act_inference(obs))
    env.close()

    # stage 3 cloned stage 2; stage 4 resumed stage 3 with behaviour cloning off
    distill_cfg = _first_checkpoint_of(runs["distill"])
    assert distill_cfg["train"]["algorithm"]["policy_to_clone"] == runs["terrain"]
    assert "resumed_from" not in distill_cfg
    finetune_cfg = _first_checkpoint_of(runs["finetune"])
    assert finetune_cfg["resumed_from"]["checkpoint"] == latest_checkpoint_in(runs["distill"])
    assert finetune_cfg["train"]["algorithm"]["bc_loss_coef"] == 0
    assert finetune_cfg["resumed_from"]["iteration"] == ck["distill"]["iter"] == 2
    assert ck["finetune"]["iter"] == 4

    # running the same command again finds every stage done
    again = pipeline_main(["--config", str(path), "--log_root", str(logs)])
    assert again == runs

    # the exported stage-4 student passes the deployment parity check, with its height map in policy.json
    env_vars = dict(os.environ, OMP_NUM_THREADS="1")
    task = "--task=g1_deepmimic_root_heightfield_no_history_dagger"
    common = [task, "--log_root", str(logs), "--load_run", runs["finetune"]]
    exp = subprocess.run([sys.executable, "legged_gym/scripts/export.py", *common], cwd=ROOT, env=env_vars,
                         capture_output=True, text=True, timeout=300)
    assert exp.returncode == 0, exp.stderr[-2000:]
    contract = json.load(open(os.path.join(runs["finetune"], "exported", "policy.json")))
    assert "terrain_height_noisy" in [i["name"] for i in contract["inputs"]]
    par = subprocess.run([sys.executable, "legged_gym/scripts/sim2sim.py", "--check", *common,
                          "--train.algorithm.bc_loss_coef=0"], cwd=ROOT, env=env_vars, capture_output=True,
                         text=True, timeout=300)
    assert par.returncode == 0 and "parity OK" in par.stdout, par.stdout[-2000:] + par.stderr[-2000:]
