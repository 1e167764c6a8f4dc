"""Hostile and broken input: CLI bounds, crafted and broken checkpoints, non-finite policies, escaping patterns."""

from __future__ import annotations

import os
import pickle
import re

import numpy as np
import pytest
import torch

from legged_gym.envs import task_registry
from legged_gym.envs.base.motion_list import read_motion_list
from legged_gym.utils.config import ConfigError
from legged_gym.utils.helpers import get_args
from rsl_rl.utils.checkpoints import (
    CheckpointError,
    atomic_torch_save,
    latest_checkpoint_in,
    load_checkpoint,
    save_weights_only,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("flag, named", [
    (["--num_envs", "0"], "--num_envs"),
    (["--num_envs", "-3"], "--num_envs"),
    (["--env.sim.dt=0"], "--env.sim.dt"),
    (["--env.control.decimation=0"], "--env.control.decimation"),
    (["--max_iterations", "-1"], "--max_iterations"),
    (["--train.policy.actor_hidden_dims=[1000000000]"], "--train.policy.actor_hidden_dims"),
    (["--env.deepmimic.terrain_resolution=1e-4"], "--env.deepmimic.terrain_resolution"),
    (["--num_envs", "100000"], "--num_envs"),
    (["--env.rewards.tracking_sigma=0"], "--env.rewards.tracking_sigma"),
    (["--env.rewards.tracking_sigma_yaw=-0.5"], "--env.rewards.tracking_sigma_yaw"),
    (["--train.algorithm.entropy_coef_final=nan"], "--train.algorithm.entropy_coef_final"),
    (["--train.algorithm.entropy_coef_final=-0.1"], "--train.algorithm.entropy_coef_final"),
    (["--train.algorithm.entropy_decay_iterations=-5"], "--train.algorithm.entropy_decay_iterations"),
])
def test_cli_values_out_of_range_name_the_flag(flag: list[str], named: str) -> None:
    args = get_args(["--task=g1_deepmimic", *flag])
    with pytest.raises(ConfigError, match=re.escape(named)):
        task_registry.load_cfgs("g1_deepmimic", args)


def _ckpt(**fields) -> dict:  # noqa: ANN003
    base = {"model_state_dict": {"w": torch.zeros(3)}, "policy_cfg": {}, "iter": 3}
    base.update(fields)
    return base


@pytest.mark.parametrize("fields, message", [
    ({"model_state_dict": 5}, "model_state_dict"),
    ({"model_state_dict": "weights"}, "model_state_dict"),
    ({"iter": None}, "'iter'"),
    ({"policy_cfg": [1, 2]}, "policy_cfg"),
    ({"model_state_dict": {"w": torch.tensor([1.0, float("nan")])}}, "non-finite"),
])
def test_malformed_checkpoints_are_refused_with_the_field(tmp_path, fields: dict, message: str) -> None:  # noqa: ANN001
    path = tmp_path / "model_1.pt"
    torch.save(_ckpt(**fields), path)
    with pytest.raises(CheckpointError, match=re.escape(message)) as err:
        load_checkpoint(path)
    assert str(path) in str(err.value)


class _RunsCode:
    """Pickles to a call of os.system: unpickling it with full pickle powers would create a file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (os.system, (f"touch {self.marker}",))


def test_a_code_running_checkpoint_never_runs(tmp_path) -> None:  # noqa: ANN001
    """Fails if any checkpoint load path stops passing weights_only=True."""
    marker = tmp_path / "ran"
    path = tmp_path / "model_7.pt"
    with open(path, "wb") as f:
        pickle.dump({"model_state_dict": _RunsCode(str(marker)), "policy_cfg": {}}, f)
    with pytest.raises(CheckpointError, match="weights_only"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError):
        latest_checkpoint_in(str(tmp_path))
    assert not marker.exists()


def test_every_torch_load_in_the_project_is_weights_only() -> None:
    calls = []
    for base in ("legged_gym", "rsl_rl", "benchmarks"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, base)):
            for name in files:
                if name.endswith(".py"):
                    text = open(os.path.join(dirpath, name)).read()
                    calls += [(name, m.group(0)) for m in re.finditer(r"torch\.load\([^)]*\)", text)]
    assert calls, "the pattern found no torch.load call at all"
    assert all("weights_only=True" in call for _, call in calls), calls


def test_resume_skips_an_unreadable_newest_checkpoint_and_stale_temporaries_go(tmp_path, capsys) -> None:  # noqa: ANN001
    atomic_torch_save(_ckpt(iter=10), tmp_path / "model_10.pt")
    (tmp_path / "model_20.pt").write_bytes(open(tmp_path / "model_10.pt", "rb").read()[:100])  # truncated
    (tmp_path / "model_30.pt").write_bytes(b"")  # empty
    assert latest_checkpoint_in(str(tmp_path)) == str(tmp_path / "model_10.pt")
    out = capsys.readouterr().out
    assert "model_30.pt" in out and "model_20.pt" in out
    stale = tmp_path / ".model_40.pt.abc123.tmp"
    stale.write_bytes(b"")
    atomic_torch_save(_ckpt(iter=50), tmp_path / "model_50.pt")
    assert not stale.exists()


def test_weights_only_copy_drops_the_optimiser_state(tmp_path) -> None:  # noqa: ANN001
    src = tmp_path / "model_1.pt"
    torch.save(_ckpt(optimizer_state_dict={"state": {}}), src)
    slim = save_weights_only(src, tmp_path / "slim.pt")
    assert "optimizer_state_dict" not in slim and load_checkpoint(tmp_path / "slim.pt")["iter"] == 3


@pytest.mark.parametrize("pattern", ["../../../../etc/passwd", "/etc/passwd", "sub/retarget.h5", ".."])
def test_motion_list_patterns_stay_inside_their_folder(tmp_path, pattern: str) -> None:  # noqa: ANN001
    lst = tmp_path / "motions.yaml"
    lst.write_text(f"- folder_path: clip_a\n  human_video_data_pattern: '{pattern}'\n")
    with pytest.raises(ValueError, match="inside the clip folder"):
        read_motion_list(str(lst))


def test_a_diverging_run_stops_with_the_iteration_and_writes_nothing_non_finite(tmp_path) -> None:  # noqa: ANN001
    from legged_gym.scripts.train import train
    from rsl_rl.utils.checks import NonFiniteError

    args = get_args([
        "--task=g1", "--headless", "--num_envs", "8", "--max_iterations", "30", "--no_use_wandb",
        "--log_root", str(tmp_path), "--train.algorithm.learning_rate=1e6", "--train.algorithm.schedule=fixed",
        "--env.normalization.clip_actions=1e6", "--env.control.action_scale=1e3", "--train.runner.save_interval=1",
        "--train.runner.num_steps_per_env=4",
    ])
    with pytest.raises(NonFiniteError, match=r"iteration \d+: non-finite"):
        train(args)
    ckpts = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path) for f in fs if f.endswith(".pt")]
    for path in ckpts:
        load_checkpoint(path)  # raises on a non-finite policy


def test_a_tiny_mesh_of_a_huge_terrain_is_refused_before_allocating(tmp_path) -> None:  # noqa: ANN001
    import time

    from legged_gym.terrain import DeepMimicTerrain, make_amass_rough_terrain

    obj = tmp_path / "km.obj"
    obj.write_text("v 0 0 0\nv 1000 0 0\nv 1000 1000 0\nv 0 1000 0\nf 1 2 3\nf 1 3 4\n")  # 1 km square, 70 bytes
    t0 = time.time()
    with pytest.raises(ValueError, match=r"km\.obj: a 1000 m x 1000 m terrain .*deepmimic\.max_terrain_cells"):
        DeepMimicTerrain([str(obj)])
    assert time.time() - t0 < 5.0
    with pytest.raises(ValueError, match="max_terrain_cells"):  # the ground under a clip whose root travels 50 km
        make_amass_rough_terrain(0, size_xy=(50_000.0, 9.0), resolution=0.05, source="clip x")


@pytest.mark.parametrize("name, content, message", [
    ("empty.npz", b"", "an empty file"),
    ("empty.csv", b"", "an empty file"),
    ("blank.csv", b"\n\n", "no data rows"),
])
def test_empty_motion_files_are_motion_format_errors(tmp_path, name: str, content: bytes, message: str) -> None:  # noqa: ANN001
    from legged_gym.motion import MotionFormatError, load_motion

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MotionFormatError, match=message) as err:
        load_motion(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("field, value, message", [
    ("root_pos", lambda t: np.zeros((t, 3), complex), "dtype complex128"),
    ("root_pos", lambda t: np.zeros((t, 3), "datetime64[s]"), "dtype datetime64"),
    ("joints", lambda t: np.full((t, 1), 1e6), r"joints/a_joint.*1e\+06 rad at frame 0"),
])
def test_clip_values_that_are_not_angles_or_reals_are_refused(field: str, value, message: str) -> None:  # noqa: ANN001
    from legged_gym.motion.clip import MotionClip, MotionFormatError

    t = 3
    base = dict(name="x", source="clip.pkl", fps=30, joint_names=["a_joint"], joints=np.zeros((t, 1)),
                root_pos=np.zeros((t, 3)), root_quat=np.tile([1.0, 0, 0, 0], (t, 1)), link_names=[],
                link_pos=np.zeros((t, 0, 3)), link_quat=np.zeros((t, 0, 4)),
                contacts={"left_foot": np.ones(t), "right_foot": np.ones(t)})
    with pytest.raises(MotionFormatError, match=message):
        MotionClip(**{**base, field: value(t)}).validate()


def test_a_policy_file_that_is_not_torchscript_is_a_contract_error(tmp_path) -> None:  # noqa: ANN001
    from legged_gym.deploy.contract import ContractError
    from legged_gym.deploy.controller import PolicyRuntime

    bad = tmp_path / "policy.pt"
    bad.write_bytes(b"not a model")

    class Contract:
        input_names = ["obs"]
        path = str(tmp_path / "policy.json")

    with pytest.raises(ContractError, match="not a TorchScript policy"):
        PolicyRuntime(Contract(), "torchscript", str(bad))


class _HugeArray:
    def __reduce__(self):  # noqa: ANN204 - a 3 GB empty array from a ~100-byte pickle
        from numpy._core.multiarray import _reconstruct

        return (_reconstruct, (np.ndarray, (3_000_000_000,), b"b"))


class _HugeBytes:
    def __reduce__(self):  # noqa: ANN204
        return (bytearray, (10**10,))


@pytest.mark.parametrize("obj", [_HugeArray(), _HugeBytes()], ids=["array", "bytearray"])
def test_a_tiny_pickle_cannot_ask_for_gigabytes(tmp_path, obj) -> None:  # noqa: ANN001
    from legged_gym.motion.safe_pickle import UnsafePickleError, load_pickle

    path = tmp_path / "tiny.pkl"
    path.write_bytes(pickle.dumps({"joints": obj}, protocol=2))
    assert path.stat().st_size < 200
    with pytest.raises(UnsafePickleError, match=r"tiny\.pkl: pickle asks for .* limit"):
        load_pickle(path)


def test_compressed_motion_files_declaring_gigabytes_are_refused_before_reading(tmp_path) -> None:  # noqa: ANN001
    import h5py

    from legged_gym.motion import MotionFormatError, load_motion

    npz = tmp_path / "big.npz"
    np.savez_compressed(npz, joint_pos=np.zeros((300_000_000, 1), np.float32))  # 1.2 GB of zeros, ~1 MB on disk
    assert npz.stat().st_size < 5_000_000
    with pytest.raises(MotionFormatError, match=r"big\.npz: field 'joint_pos'.*bytes of data"):
        load_motion(npz)
    folder = tmp_path / "clip"
    folder.mkdir()
    with h5py.File(folder / "retarget_poses_g1.h5", "w") as f:
        f.create_dataset("root_pos", shape=(200_000_000, 3), dtype="f4", compression="gzip", chunks=(65536, 3))
    (folder / "background_mesh.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    with pytest.raises(MotionFormatError, match=r"retarget_poses_g1\.h5: field 'root_pos'.*bytes of data"):
        load_motion(folder, default_fps=30)


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path) -> None:  # noqa: ANN001
    import time

    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 20)}]")
    bomb = tmp_path / "motions.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    assert bomb.stat().st_size < 1500
    t0 = time.time()
    with pytest.raises(ValueError, match=r"motions\.yaml: not valid YAML.*aliases"):
        read_motion_list(str(bomb))
    assert time.time() - t0 < 2.0


def test_a_zero_frame_h5_clip_says_so(tmp_path) -> None:  # noqa: ANN001
    import h5py

    from legged_gym.motion import MotionFormatError, load_motion

    folder = tmp_path / "clip"
    folder.mkdir()
    with h5py.File(folder / "retarget_poses_g1.h5", "w") as f:
        for k, shape in (("root_pos", (0, 3)), ("root_quat", (0, 4)), ("joints", (0, 23)), ("link_pos", (0, 1, 3)),
                         ("link_quat", (0, 1, 4))):
            f[k] = np.zeros(shape)
        f.attrs["/joint_names"], f.attrs["/link_names"], f.attrs["/fps"] = ["left_hip_pitch_joint"] * 23, ["pelvis"], 30
        g = f.create_group("contacts")
        g["left_foot"], g["right_foot"] = np.zeros(0), np.zeros(0)
    (folder / "background_mesh.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    with pytest.raises(MotionFormatError, match="field 'root_pos': expected at least one frame, got 0 frames"):
        load_motion(folder, robot_xml=os.path.join(ROOT, "resources", "robots", "g1", "g1_23dof.xml"))


def test_the_motion_array_limit_is_a_setting(tmp_path) -> None:  # noqa: ANN001
    from legged_gym.motion import MotionFormatError, load_motion

    npz = tmp_path / "clip.npz"
    np.savez(npz, joint_pos=np.zeros((1000, 29), np.float32))  # 116 kB
    with pytest.raises(MotionFormatError, match=r"joint_pos.*at most 100,000 bytes .*deepmimic\.max_motion_array_bytes"):
        load_motion(npz, max_array_bytes=100_000)
    with pytest.raises(MotionFormatError) as err:  # with the default limit the size passes; the file lacks fields
        load_motion(npz)
    assert "bytes of data" not in str(err.value)
