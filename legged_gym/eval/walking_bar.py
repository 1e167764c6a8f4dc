"""The walking bar: how the sim2sim rows of a velocity policy (one row per command, ``sim2sim.py --commands``) are
judged and tabulated. ``benchmarks/walking.py`` judges every checkpoint of a run with it, ``ship_policy.py`` the
packaged policy.

A policy passes when, for every command, the mean per-step ``|v_xy - cmd_xy|`` is at most ``max_lin_err``, the mean
per-step ``|yaw rate - cmd|`` at most ``max_yaw_err``, it never falls and, where a step frequency is asked for, every
command's steps per second lie within ``steps_tolerance`` of it. The per-gait-cycle errors (sway within a step left
out) are reported, not judged.
"""

from __future__ import annotations

from collections.abc import Sequence

from legged_gym.eval.velocity import BAR_COMMANDS

__all__ = ["BAR_COMMAND_ARGS", "MAX_LIN_ERR", "MAX_YAW_ERR", "STEPS_TOLERANCE", "bar_text", "command_table", "judge"]

MAX_LIN_ERR = 0.1  # [m/s]
MAX_YAW_ERR = 0.15  # [rad/s]
STEPS_TOLERANCE = 0.25  # relative
# the bar's commands as ``sim2sim.py --commands`` entries
BAR_COMMAND_ARGS: tuple[str, ...] = tuple(",".join(f"{c:g}" for c in cmd) for cmd in BAR_COMMANDS)

TABLE_COLUMNS = ("cmd_vx", "cmd_vy", "cmd_yaw_rate", "forward_vel", "lateral_vel", "yaw_rate", "lin_vel_err",
                 "yaw_rate_err", "lin_vel_err_cycle", "yaw_rate_err_cycle")


def number(x: object) -> float:
    """A JSON value as a float (``null``, written for NaN, back to NaN)."""
    return float("nan") if x is None else float(x)


def judge(rows: Sequence[dict], max_lin_err: float = MAX_LIN_ERR, max_yaw_err: float = MAX_YAW_ERR,
          steps_per_s: float | None = None, steps_tolerance: float = STEPS_TOLERANCE) -> dict:
    """The worst command's errors, all falls, the step-frequency range, and whether the rows pass."""
    if not rows:
        raise ValueError("walking bar: no sim2sim rows to judge")
    lin = max(number(r["lin_vel_err"]) for r in rows)
    yaw = max(number(r["yaw_rate_err"]) for r in rows)
    falls = sum(int(r["falls"]) for r in rows)
    freq = [number(r.get("steps_per_s")) for r in rows]
    ok = lin <= max_lin_err and yaw <= max_yaw_err and falls == 0  # NaN compares false: a NaN error fails
    if steps_per_s is not None:
        ok = ok and all(abs(f - steps_per_s) <= steps_tolerance * steps_per_s for f in freq)
    return {"max_lin_vel_err": round(lin, 4), "max_yaw_rate_err": round(yaw, 4), "falls": falls,
            "min_steps_per_s": round(min(freq), 3), "max_steps_per_s": round(max(freq), 3), "passes": int(ok),
            "max_lin_vel_err_cycle": round(max(number(r.get("lin_vel_err_cycle")) for r in rows), 4),
            "max_yaw_rate_err_cycle": round(max(number(r.get("yaw_rate_err_cycle")) for r in rows), 4)}


def command_table(rows: Sequence[dict]) -> list[str]:
    """Markdown lines: one row per command (commanded and mean velocities, per-step and per-cycle errors, falls,
    steps per second, swing clearance)."""
    lines = ["| cmd vx | cmd vy | cmd yaw | vx | vy | yaw rate | mean \\|v - cmd\\| | mean \\|yaw - cmd\\| | "
             "per cycle \\|v - cmd\\| | per cycle \\|yaw - cmd\\| | falls | steps/s | clearance [m] |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = " | ".join(f"{number(r.get(k)):.3f}" for k in TABLE_COLUMNS)
        freq, clearance = number(r.get("steps_per_s")), number(r.get("clearance_m"))
        lines.append(f"| {cells} | {int(r['falls'])} | {freq:.2f} | {clearance:.3f} |")
    return lines


def bar_text(max_lin_err: float = MAX_LIN_ERR, max_yaw_err: float = MAX_YAW_ERR, steps_per_s: float | None = None,
             steps_tolerance: float = STEPS_TOLERANCE) -> str:
    """The bar in words (for reports)."""
    freq = "" if steps_per_s is None else f", steps/s within {100 * steps_tolerance:.0f} % of {steps_per_s:g}"
    return (f"every command with mean |v - cmd| <= {max_lin_err:g} m/s, mean |yaw rate - cmd| <= {max_yaw_err:g} "
            f"rad/s, no falls{freq}")

