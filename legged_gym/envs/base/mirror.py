"""The left-right (sagittal) mirror of a legged robot's observations and actions, for symmetric PPO.

Mirroring the world across the robot's x-z plane maps a base-frame vector ``(x, y, z)`` to ``(x, -y, z)`` when it is
a polar vector (linear velocity, gravity, force) and to ``(-x, y, -z)`` when it is an axial one (angular velocity,
torque, roll-pitch-yaw angles); a joint becomes its partner on the other side (``left_*`` <-> ``right_*``), negated
when it turns about a roll or yaw axis (the G1's left and right joints share axes: mirrored roll and yaw angles are
opposite, pitch angles equal; ``tests/test_symmetry.py`` checks this on the robot file's joint ranges). Each
observation term names its kind in the environment's ``obs_mirror`` table:

========== ==========================================================================
kind       mirror
========== ==========================================================================
even       unchanged (heights, masses, friction)
polar      (x, y[, z]) -> (x, -y[, z])
axial      (x, y, z) -> (-x, y, -z)
command    (vx, vy, yaw rate) -> (vx, -vy, -yaw rate)
joints     one value per policy joint: partners swap, roll and yaw joints negate
feet       one value per foot: left and right swap
half_cycle negated: sin and cos of a gait clock whose right leg runs half a cycle behind the left (mirroring swaps
           the legs, which is the clock half a cycle on)
========== ==========================================================================
"""

from __future__ import annotations

from collections.abc import Sequence

from rsl_rl.algorithms.symmetry import SignedPermutation

MIRROR_KINDS = ("even", "polar", "axial", "command", "joints", "feet", "half_cycle")
_SIDES = (("left", "right"), ("right", "left"))
_NEGATED_AXES = ("roll", "yaw")


def side_partner(name: str) -> str | None:
    """The other side's name of a ``left``/``right`` name (``left_knee_joint`` -> ``right_knee_joint``), or None
    for a name on the midline."""
    for a, b in _SIDES:
        if a in name:
            return name.replace(a, b)
    return None


def named_mirror(names: Sequence[str], what: str, negate_axes: bool) -> tuple[list[int], list[float]]:
    """Index and sign of the mirror of one value per name: partners swap, roll/yaw names negate (``negate_axes``).

    Raises:
        ValueError: A sided name whose partner is missing from ``names`` (names ``what`` in the message).
    """
    names = list(names)
    index, sign = [], []
    for n in names:
        partner = side_partner(n)
        if partner is not None and partner not in names:
            raise ValueError(f"mirror: {what} '{n}' has no partner '{partner}' among {names}")
        index.append(names.index(partner) if partner is not None else names.index(n))
        sign.append(-1.0 if negate_axes and any(a in n for a in _NEGATED_AXES) else 1.0)
    return index, sign


def term_mirror(kind: str, dim: int, joint_names: Sequence[str], feet_names: Sequence[str],
                term: str) -> tuple[list[int], list[float]]:
    """Index and sign (local to the term) of one observation term of ``dim`` values and mirror ``kind``."""
    def fixed(signs: list[float]) -> tuple[list[int], list[float]]:
        if dim != len(signs) and not (kind == "polar" and dim == 2):
            raise ValueError(f"mirror: term '{term}' of kind '{kind}' must have {len(signs)} values, has {dim}")
        return list(range(dim)), signs[:dim]

    if kind == "even":
        return list(range(dim)), [1.0] * dim
    if kind == "half_cycle":
        return list(range(dim)), [-1.0] * dim
    if kind == "polar":
        return fixed([1.0, -1.0, 1.0])
    if kind == "axial":
        return fixed([-1.0, 1.0, -1.0])
    if kind == "command":
        return fixed([1.0, -1.0, -1.0])
    if kind in ("joints", "feet"):
        names = joint_names if kind == "joints" else feet_names
        if dim != len(names):
            raise ValueError(f"mirror: term '{term}' of kind '{kind}' has {dim} values for {len(names)} {kind}")
        return named_mirror(names, "joint" if kind == "joints" else "foot", negate_axes=kind == "joints")
    raise ValueError(f"mirror: term '{term}' has unknown mirror kind '{kind}'; kinds: {list(MIRROR_KINDS)}")


def key_mirror(terms: Sequence[tuple[str, int]], kinds: dict[str, str], joint_names: Sequence[str],
               feet_names: Sequence[str], key: str) -> SignedPermutation:
    """The mirror of one observation key, the concatenation of ``terms`` (name, number of values).

    Raises:
        ValueError: A term without a mirror kind (names the key and the term), or one whose size does not fit.
    """
    index: list[int] = []
    sign: list[float] = []
    offset = 0
    for name, dim in terms:
        if name not in kinds:
            raise ValueError(f"mirror: observation '{key}' term '{name}' has no mirror kind (obs_mirror); terms "
                             f"with one: {sorted(kinds)}")
        i, s = term_mirror(kinds[name], dim, joint_names, feet_names, name)
        index += [offset + j for j in i]
        sign += s
        offset += dim
    return SignedPermutation(index, sign)
