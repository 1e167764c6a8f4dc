"""Per-clip teachers and multi-teacher DAgger on real parts: motion list files, the G1 DAgger env on the bundled
walk-up-a-step clip copied under two names, teacher checkpoints written by our runner, and train.py end to end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import h5py
import pytest
import torch

from legged_gym import LEGGED_GYM_ROOT_DIR
from legged_gym.envs import task_registry
from legged_gym.envs.base.deepmimic_config import DeepMimicCfg
from legged_gym.envs.base.motion_list import read_motion_list
from legged_gym.envs.base.motion_sources import discover_clips
from legged_gym.utils.teachers import resolve_teacher_paths
from rsl_rl.algorithms import MultiTeacher, TeacherError, load_multi_teacher
from rsl_rl.runners import OnPolicyRunner
from tests.env_helpers import make_task_env

SAMPLE = os.path.join(LEGGED_GYM_ROOT_DIR, "resources", "motions", "sample", "videos", "walk_up_step")
TRAIN = os.path.join(LEGGED_GYM_ROOT_DIR, "legged_gym", "scripts", "train.py")
INDEX_KEY = "teacher_checkpoint_index"

GOOD_LIST = """
- folder_path: /captures/elsewhere/alpha_walk
  teacher_checkpoint_run_name: run_a
- folder_path: beta
  teacher_checkpoint_run_name: run_b
  human_video_data_pattern: motion_beta.h5
  human_video_terrain_pattern: ground_beta.obj
  default_data_fps_override: 15
"""


@pytest.fixture(scope="module")
def clips_root(tmp_path_factory) -> str:
    """``alpha_walk``: the sample clip as is; ``beta_walk``: renamed files and an h5 that stores no fps."""
    root = tmp_path_factory.mktemp("clips")
    shutil.copytree(SAMPLE, root / "alpha_walk")
    beta = root / "beta_walk"
    beta.mkdir()
    shutil.copy(os.path.join(SAMPLE, "background_mesh.obj"), beta / "ground_beta.obj")
    shutil.copy(os.path.join(SAMPLE, "retarget_poses_g1.h5"), beta / "motion_beta.h5")
    with h5py.File(beta / "motion_beta.h5", "a") as f:
        assert float(f.attrs["/fps"]) == 30.0
        del f.attrs["/fps"]
    return str(root)


@pytest.fixture(scope="module")
def motion_list(clips_root, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("lists") / "motions.yaml"
    path.write_text(GOOD_LIST)
    return str(path)


def _cfg(clips_root: str, source: str, **kw: object) -> DeepMimicCfg:
    return DeepMimicCfg(use_amass=False, data_root=clips_root, human_motion_source=source, **kw)


# --- motion list parsing ------------------------------------------------------------------------------------------
def test_good_motion_list(clips_root, motion_list):
    items = read_motion_list(motion_list)
    assert [i.folder_path for i in items] == ["/captures/elsewhere/alpha_walk", "beta"]
    assert [i.teacher for i in items] == ["run_a", "run_b"]
    assert items[0].data_pattern == "retarget_poses_g1.h5" and items[0].terrain_pattern == "background_mesh.obj"
    assert items[0].fps is None and items[1].fps == 15.0
    clips = discover_clips(_cfg(clips_root, motion_list, human_video_oversample_factor=2))
    assert [c.name for c in clips] == ["alpha_walk", "alpha_walk", "beta_walk", "beta_walk"]
    assert [c.teacher for c in clips] == ["run_a", "run_a", "run_b", "run_b"]
    assert clips[2].terrain_mesh == os.path.join(clips_root, "beta_walk", "ground_beta.obj")
    assert clips[2].data_pattern == "motion_beta.h5" and clips[2].fps_override == 15.0


BAD_CASES = {
    "not_a_list": ("folder_path: alpha\n", None, None, "expected a non-empty list"),
    "empty": ("[]\n", None, None, "expected a non-empty list"),
    "item_not_mapping": ("- folder_path: alpha\n- just_a_string\n", 1, None, "expected a mapping"),
    "missing_folder": ("- folder_path: alpha\n- teacher_checkpoint_run_name: run_b\n", 1, "folder_path", "got nothing"),
    "empty_folder": ("- folder_path: ''\n", 0, "folder_path", "expected a non-empty string"),
    "unknown_key": ("- folder_path: alpha\n  teacher_run: run_a\n", 0, "teacher_run", "expected fields are"),
    "teacher_number": ("- folder_path: alpha\n  teacher_checkpoint_run_name: 20250101_120000\n", 0,
                       "teacher_checkpoint_run_name", "got int"),
    "pattern_list": ("- folder_path: alpha\n  human_video_data_pattern: [a.h5]\n", 0, "human_video_data_pattern",
                     "got list"),
    "fps_negative": ("- folder_path: alpha\n  default_data_fps_override: -30\n", 0, "default_data_fps_override",
                     "positive finite number"),
    "fps_text": ("- folder_path: alpha\n- folder_path: beta\n  default_data_fps_override: fast\n", 1,
                 "default_data_fps_override", "got str 'fast'"),
    "fps_bool": ("- folder_path: alpha\n  default_data_fps_override: true\n", 0, "default_data_fps_override",
                 "got bool"),
    "no_such_folder": ("- folder_path: alpha\n- folder_path: /data/gamma_run\n", 1, "folder_path", "'gamma_run'"),
    "not_yaml": ("- folder_path: [alpha\n", None, None, "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_motion_list_names_file_item_and_field(clips_root, tmp_path, case):
    text, item, field, expected = BAD_CASES[case]
    path = tmp_path / f"{case}.yml"
    path.write_text(text)
    with pytest.raises((ValueError, FileNotFoundError)) as info:
        discover_clips(_cfg(clips_root, str(path)))
    msg = str(info.value)
    assert str(path) in msg and expected in msg, msg
    if item is not None:
        assert f"item {item}:" in msg, msg
    if field is not None:
        assert f"'{field}'" in msg, msg


def test_missing_motion_list_file(clips_root, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        discover_clips(_cfg(clips_root, str(tmp_path / "nope.yaml")))


def test_single_folder_name(clips_root):
    (clip,) = discover_clips(_cfg(clips_root, "alpha"))
    assert clip.name == "alpha_walk" and clip.teacher is None and clip.data_pattern == "retarget_poses_g1.h5"
    with pytest.raises(FileNotFoundError, match="human_motion_source: no folder matching 'gamma'"):
        discover_clips(_cfg(clips_root, "gamma"))


# --- the env --------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dagger_env(clips_root, motion_list):
    """Mocap clips stand, walk (no teacher) + the two listed video clips; episodes cut at 2 steps (many resets)."""
    env, train_cfg = make_task_env(
        "g1_deepmimic_dagger", 4, deepmimic__data_root=clips_root, deepmimic__human_motion_source=motion_list,
        deepmimic__truncate_rollout_length=2, deepmimic__clip_weighting_strategy="uniform_clip",
    )
    yield env, train_cfg
    env.close()


def test_per_clip_teacher_index_follows_the_clip(dagger_env):
    env, train_cfg = dagger_env
    assert env.teacher_checkpoints == [None, "run_a", "run_b"]
    assert env.replay.clip_names == ["stand", "walk", "alpha_walk", "beta_walk"]
    assert env.clip_teacher_index.tolist() == [0, 0, 1, 2]
    # the per-clip patterns and fps override are honoured: beta's h5 has no fps, read at 15 instead of 30 fps
    alpha, beta = env.replay.clip_length[2:].tolist()
    assert abs(beta - 2 * alpha) <= 2, (alpha, beta)
    assert INDEX_KEY not in train_cfg.policy.obs_proc_actor and INDEX_KEY not in train_cfg.policy.obs_proc_critic
    seen = set()
    obs = env.reset()
    for _ in range(12):
        expected = env.clip_teacher_index[env.ref_clip].float().unsqueeze(1)
        assert obs[INDEX_KEY].shape == (4, 1) and torch.equal(obs[INDEX_KEY], expected)
        seen.update(env.ref_clip.tolist())
        obs, _, _, _ = env.step(torch.zeros(4, env.num_actions))
    assert len(seen) >= 3, seen  # the clips changed across resets


# --- routing --------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def teacher_runs(dagger_env, tmp_path_factory) -> str:
    """Two teacher runs (different weights and std) under <log_root>/g1_deepmimic, written by our runner."""
    env, _ = dagger_env
    log_root = str(tmp_path_factory.mktemp("logs"))
    for seed, name, std in ((1, "run_a", 0.8), (2, "run_b", 0.3)):
        _, cfg = task_registry.get_cfgs("g1_deepmimic")
        cfg.runner.use_wandb = False
        cfg.policy.init_noise_std = std
        torch.manual_seed(seed)
        run_dir = os.path.join(log_root, "g1_deepmimic", name)
        runner = OnPolicyRunner(env, cfg, run_dir)
        os.makedirs(run_dir, exist_ok=True)
        runner.save(os.path.join(run_dir, "model_0.pt"))
    return log_root


def _student(env, train_cfg, log_root: str, **alg: object) -> OnPolicyRunner:
    cfg = task_registry.get_cfgs("g1_deepmimic_dagger")[1]
    cfg.runner.use_wandb = False
    cfg.runner.num_steps_per_env = 2
    cfg.algorithm.use_multi_teacher = True
    for k, v in alg.items():
        setattr(cfg.algorithm, k, v)
    cfg.algorithm.teacher_paths = resolve_teacher_paths(env, cfg.algorithm, log_root)
    return OnPolicyRunner(env, cfg)


def test_each_env_gets_its_own_teachers_action_and_std(dagger_env, teacher_runs):
    env, train_cfg = dagger_env
    run_a = os.path.join(teacher_runs, "g1_deepmimic", "run_a")
    runner = _student(env, train_cfg, teacher_runs, policy_to_clone=run_a)
    teacher = runner.alg.teacher
    assert isinstance(teacher, MultiTeacher) and len(teacher) == 3
    assert [t.path for t in teacher.teachers] == [os.path.join(run_a, "model_0.pt"), os.path.join(run_a, "model_0.pt"),
                                                 os.path.join(teacher_runs, "g1_deepmimic", "run_b", "model_0.pt")]
    assert INDEX_KEY not in runner.actor_critic.obs_keys and INDEX_KEY not in runner.alg.storage.obs
    obs = dict(env.reset())
    obs[INDEX_KEY] = torch.tensor([[1.0], [2.0], [0.0], [2.0]])  # both teachers present
    a, b = teacher.teachers[1], teacher.teachers[2]
    actions, own_a, own_b = teacher.act(obs), a.act(obs), b.act(obs)
    route = obs[INDEX_KEY][:, 0].long()
    for i, k in enumerate(route.tolist()):
        own, other = (own_b, own_a) if k == 2 else (own_a, own_b)
        assert torch.allclose(actions[i], own[i]), i
        assert not torch.allclose(actions[i], other[i], atol=1e-3), i
    std = teacher.action_std(obs)
    assert torch.allclose(std[route == 2], b.std.expand(2, -1)) and torch.allclose(std[route != 2], a.std.expand(2, -1))
    assert not torch.allclose(a.std, b.std)
    # the algorithm stores each env's own teacher action and std for the BC loss
    with torch.inference_mode():
        runner.alg.act(obs)
    assert torch.equal(runner.alg.transition.teacher_actions, actions)
    assert torch.equal(runner.alg.transition.teacher_std, std)
    obs[INDEX_KEY][3] = 7.0
    with pytest.raises(TeacherError, match=r"teacher index 7, but there are 3 teachers"):
        teacher.act(obs)


def test_multi_teacher_problems_are_teacher_errors(dagger_env, teacher_runs):
    env, train_cfg = dagger_env
    with pytest.raises(TeacherError, match=r"clips \['stand', 'walk'\] have no teacher_checkpoint_run_name"):
        _student(env, train_cfg, teacher_runs)  # no policy_to_clone for the mocap clips
    with pytest.raises(TeacherError, match=r"teacher run 'run_a' of clips \['alpha_walk'\] not found"):
        _student(env, train_cfg, str(teacher_runs) + "_elsewhere", policy_to_clone=teacher_runs)
    run_a = os.path.join(teacher_runs, "g1_deepmimic", "run_a")
    shapes = {k: tuple(v.shape[1:]) for k, v in env.get_observations().items()}
    del shapes[INDEX_KEY]
    with pytest.raises(TeacherError, match=f"no observation '{INDEX_KEY}'"):
        load_multi_teacher([run_a], INDEX_KEY, shapes, env.num_actions)
    shapes[INDEX_KEY] = (1,)
    with pytest.raises(TeacherError, match=r"teacher_paths\[1\].*does not exist"):
        load_multi_teacher([run_a, run_a + "_missing"], INDEX_KEY, shapes, env.num_actions)


# --- train.py -------------------------------------------------------------------------------------------------------
def test_train_script_multi_teacher(clips_root, motion_list, teacher_runs):
    cmd = [
        sys.executable, TRAIN, "--task=g1_deepmimic_dagger", "--headless", "--no_use_wandb", "--num_envs", "2",
        "--max_iterations", "1", "--num_threads", "1", "--train.runner.num_steps_per_env=4",
        "--log_root", teacher_runs, "--env.deepmimic.use_amass=False", f"--env.deepmimic.data_root={clips_root}",
        f"--env.deepmimic.human_motion_source={motion_list}", "--train.algorithm.use_multi_teacher=True",
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=LEGGED_GYM_ROOT_DIR)
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "BC loss" in proc.stdout and "run_b" in proc.stdout
    (run,) = os.listdir(os.path.join(teacher_runs, "g1_deepmimic_dagger"))
    run_dir = os.path.join(teacher_runs, "g1_deepmimic_dagger", run)
    assert "model_1.pt" in os.listdir(run_dir)
    ckpt = torch.load(os.path.join(run_dir, "model_1.pt"), weights_only=True)
    paths = ckpt["config"]["train"]["algorithm"]["teacher_paths"]
    assert paths == [os.path.join(teacher_runs, "g1_deepmimic", n) for n in ("run_a", "run_b")]
