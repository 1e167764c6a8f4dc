"""The allow-list unpickler: plain data and numpy load; anything that could run code is refused unexecuted."""

from __future__ import annotations

import collections
import os
import pickle
import subprocess

import numpy as np
import pytest

from legged_gym.motion import UnsafePickleError, load_pickle, read_seed_pickle
from legged_gym.motion.safe_pickle import loads_pickle


class _RunsCommand:
    """Pickles to a call of ``fn(*args)``: what a crafted motion file would do."""

    def __init__(self, fn: object, *args: object) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self) -> tuple:
        return self.fn, self.args


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_plain_data_and_numpy_round_trip(tmp_path, protocol):
    data = {
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f64": np.linspace(0, 1, 5),
        "bool": np.array([True, False]),
        "int": np.arange(3, dtype=np.int64),
        "strs": np.array(["a", "bc"]),
        "objs": np.array(["x", "y"], dtype=object),
        "scalar": np.float64(1.5),
        "np_bool": np.bool_(True),
        "list": [1, 2.5, "s", None, True, b"raw", 1 + 2j],
        "tuple": (1, 2),
        "set": {1, 2},
        "frozen": frozenset({3}),
        "ordered": collections.OrderedDict(a=1),
        "nested": {"contacts": {"left_foot": np.zeros(3, bool)}},
    }
    path = str(tmp_path / "ok.pkl")
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=protocol)
    out = load_pickle(path)
    assert out.keys() == data.keys()
    for key in ("f32", "f64", "bool", "int", "strs", "objs"):
        np.testing.assert_array_equal(out[key], data[key])
        assert out[key].dtype == data[key].dtype
    assert out["scalar"] == 1.5 and out["list"] == data["list"] and out["set"] == {1, 2}
    assert isinstance(out["ordered"], collections.OrderedDict)


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        (lambda marker: _RunsCommand(os.system, f"touch {marker}"), os.system.__module__ + ".system"),
        (lambda marker: _RunsCommand(subprocess.call, ["touch", marker]), "subprocess.call"),
        (lambda marker: _RunsCommand(eval, f"open({marker!r}, 'w').close()"), "builtins.eval"),
        (lambda marker: _RunsCommand(exec, f"open({marker!r}, 'w').close()"), "builtins.exec"),
    ],
)
def test_malicious_pickle_is_refused_without_running(tmp_path, payload, forbidden):
    marker = str(tmp_path / "pwned")
    path = str(tmp_path / "evil.pkl")
    with open(path, "wb") as f:
        pickle.dump({"joints": np.zeros((2, 2)), "x": payload(marker)}, f)
    with pytest.raises(UnsafePickleError) as info:
        load_pickle(path)
    assert not os.path.exists(marker), "the crafted pickle ran code"
    assert path in str(info.value) and forbidden in str(info.value)
    with pytest.raises(UnsafePickleError):
        read_seed_pickle(path, fps=30)
    assert not os.path.exists(marker)


def test_the_crafted_pickle_really_is_malicious(tmp_path):
    """Control: the standard unpickler does run the payload the tests above refuse."""
    marker = str(tmp_path / "ran")
    data = pickle.dumps(_RunsCommand(os.system, f"touch {marker}"))
    pickle.loads(data)  # noqa: S301 - deliberate, in a temporary folder
    assert os.path.exists(marker)


class _Plain:
    pass


def test_other_globals_are_refused():
    for obj, name in [(_Plain(), "_Plain"), (collections.Counter(a=1), "collections.Counter")]:
        with pytest.raises(UnsafePickleError, match=name):
            loads_pickle(pickle.dumps(obj), "mem")
    with pytest.raises(UnsafePickleError, match="torch._utils"):
        loads_pickle(b"ctorch._utils\n_rebuild_tensor_v2\n(tR.")  # GLOBAL, empty tuple, REDUCE
