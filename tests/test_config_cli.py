"""Command line and typed config overrides: casting, errors, precedence, the task registry."""

from __future__ import annotations

from dataclasses import dataclass, field

import os
import pytest

from legged_gym.envs import task_registry
from legged_gym.utils.config import ConfigError, set_by_path, to_dict
from legged_gym.utils.helpers import get_args, update_cfgs_from_args


@dataclass
class Inner:
    flag: bool = False
    count: int = 3
    gain: float = 1.5
    name: str = "a"
    dims: list[int] = field(default_factory=lambda: [1, 2])
    maybe: str | None = None
    maybe_num: float | None = None
    table: dict[str, float] = field(default_factory=lambda: {"hip": 1.0})


@dataclass
class Outer:
    inner: Inner = field(default_factory=Inner)
    seed: int = 1


@pytest.mark.parametrize(
    "path, text, expected",
    [
        ("inner.flag", "TRUE", True),
        ("inner.flag", "false", False),
        ("inner.count", "7", 7),
        ("inner.count", "1e3", 1000),
        ("inner.gain", "2e-5", 2e-5),
        ("inner.name", "walk", "walk"),
        ("inner.dims", "[512,256,128]", [512, 256, 128]),
        ("inner.dims", "64, 32", [64, 32]),
        ("inner.maybe", "runs/x", "runs/x"),
        ("inner.maybe", "None", None),
        ("inner.maybe_num", "0.5", 0.5),
        ("inner.table", '{"knee": 2.0}', {"knee": 2.0}),
        ("inner.table.hip", "3", 3.0),
    ],
)
def test_override_casts_to_field_type(path, text, expected):
    cfg = Outer()
    assert set_by_path(cfg, path, text, "env") == expected
    node = cfg
    for part in path.split(".")[:-1]:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    last = path.split(".")[-1]
    got = node[last] if isinstance(node, dict) else getattr(node, last)
    assert got == expected and type(got) is type(expected)


def test_unknown_key_suggests_close_keys():
    with pytest.raises(ConfigError, match=r"unknown config key 'env.inner.gian'.*env.inner.gain"):
        set_by_path(Outer(), "inner.gian", "1", "env")


def test_bad_value_names_key_type_and_value():
    with pytest.raises(ConfigError, match=r"'env.inner.count': expected int, got 'lots'"):
        set_by_path(Outer(), "inner.count", "lots", "env")
    with pytest.raises(ConfigError, match=r"'env.inner.flag': expected bool, got 'maybe'"):
        set_by_path(Outer(), "inner.flag", "maybe", "env")
    with pytest.raises(ConfigError, match=r"expected int, got '2.5'"):
        set_by_path(Outer(), "inner.count", "2.5", "env")


def test_parse_seed_flags_and_overrides():
    args = get_args(
        ["--task=g1", "--headless", "--num_envs", "8", "--seed", "5", "--env.control.beta=0.5",
         "--train.algorithm.learning_rate", "2e-5", "--no_use_wandb", "--wandb_note", "hello"]
    )
    assert args.task == "g1" and args.headless and args.num_envs == 8 and args.seed == 5
    assert args.env_overrides == {"control.beta": "0.5"}
    assert args.train_overrides == {"algorithm.learning_rate": "2e-5"}
    env_cfg, train_cfg = task_registry.load_cfgs("g1", args)
    assert env_cfg.env.num_envs == 8 and env_cfg.seed == 5 and train_cfg.seed == 5
    assert env_cfg.control.beta == 0.5 and train_cfg.algorithm.learning_rate == 2e-5
    assert train_cfg.runner.use_wandb is False and train_cfg.runner.wandb_note == "hello"


def test_explicit_override_beats_flag():
    args = get_args(["--task=g1", "--num_envs", "8", "--env.env.num_envs=16", "--max_iterations", "3",
                     "--train.runner.max_iterations=9"])
    env_cfg, train_cfg = task_registry.load_cfgs("g1", args)
    assert env_cfg.env.num_envs == 16 and train_cfg.runner.max_iterations == 9


def test_unknown_flag_is_an_error_with_suggestion():
    with pytest.raises(SystemExit, match=r"--num_env.*did you mean --num_envs"):
        get_args(["--task=g1", "--num_env", "3"])
    with pytest.raises(SystemExit, match="unrecognised argument 'stray'"):
        get_args(["--task=g1", "stray"])


def test_unknown_override_key_is_an_error():
    args = get_args(["--task=g1", "--env.rewards.scales.tracking_lin_vell=2"])
    with pytest.raises(ConfigError, match="tracking_lin_vel"):
        task_registry.load_cfgs("g1", args)


def test_multi_process_seed_differs_per_rank(monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    args = get_args(["--task=g1", "--multi_gpu"])
    env_cfg, train_cfg = task_registry.get_cfgs("g1")
    base = env_cfg.seed
    update_cfgs_from_args(env_cfg, train_cfg, args)
    assert env_cfg.seed == base + 1 and train_cfg.seed == base + 1


def test_registry_unknown_task_lists_registered():
    with pytest.raises(ValueError, match=r"unknown task 'g2'.*g1"):
        task_registry.get_cfgs("g2")


def test_registry_gives_fresh_configs():
    a, _ = task_registry.get_cfgs("g1")
    a.env.num_envs = 3
    b, _ = task_registry.get_cfgs("g1")
    assert b.env.num_envs != 3
    assert to_dict(b)["env"]["num_envs"] == b.env.num_envs


def test_reward_scale_alias_from_the_seed_readme():
    """``--env.rewards.collision=-3`` (as the seed README writes it) sets ``rewards.scales.collision``;
    a real field of ``rewards`` keeps its meaning and an unknown term is still an error."""
    env_cfg, train_cfg = task_registry.get_cfgs("g1_deepmimic")
    args = get_args(["--task=g1_deepmimic", "--env.rewards.collision=-3", "--env.rewards.feet_contact_matching=2",
                     "--env.rewards.joint_pos_tracking_k=4"])
    update_cfgs_from_args(env_cfg, train_cfg, args)
    assert env_cfg.rewards.scales.collision == -3.0
    assert env_cfg.rewards.scales.feet_contact_matching == 2.0
    assert env_cfg.rewards.joint_pos_tracking_k == 4.0
    args = get_args(["--task=g1_deepmimic", "--env.rewards.colision=-3"])
    with pytest.raises(ConfigError, match="unknown config key 'env.rewards.colision'"):
        update_cfgs_from_args(*task_registry.get_cfgs("g1_deepmimic"), args)


def test_print_config_lists_every_field_with_type_and_doc(capsys) -> None:
    from legged_gym.scripts.train import TRAIN_FLAGS, train
    from legged_gym.utils.helpers import get_args as parse

    train(parse(["--task=g1_deepmimic", "--print_config", "--env.sim.dt=0.004"], extra_flags=TRAIN_FLAGS))
    lines = capsys.readouterr().out.splitlines()
    assert "--env.sim.dt=0.004  (float)  [s] physics step" in lines
    assert any(ln.startswith("--train.algorithm.learning_rate=") for ln in lines)
    assert len(lines) > 200


def test_help_explains_configuration_fields(capsys) -> None:
    import pytest as _pytest

    from legged_gym.utils.helpers import get_args as parse

    with _pytest.raises(SystemExit):
        parse(["--help"])
    out = capsys.readouterr().out
    assert "--env.<section>.<field>=<value>" in out and "--print_config" in out


def test_each_script_shows_only_its_own_flags() -> None:
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for script, absent, present in (("export.py", "--max_iterations", "--out"), ("sim2sim.py", "--wandb_note", "--commands"),
                                    ("train.py", "--commands", "--max_iterations")):
        out = subprocess.run([sys.executable, os.path.join(root, "legged_gym", "scripts", script), "--help"],
                             capture_output=True, text=True, timeout=120).stdout
        assert present in out and absent not in out, script
