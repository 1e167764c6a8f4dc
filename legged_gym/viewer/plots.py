"""Rolling plots for the viewer (uPlot charts in the GUI): per-term rewards, tracking errors, foot contact forces.

:class:`RewardTap` reads the per-term rewards of each step from the environment's episode sums (the terms'
contribution of that step, already scaled and multiplied by dt); :class:`RollingSeries` keeps the last ``window``
values of several named series; :class:`PlotPanel` owns the charts and pushes the series into them.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

__all__ = ["PlotPanel", "RewardTap", "RollingSeries"]

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


class RewardTap:
    """Per-term rewards of the last step for one environment, read around the environment's ``compute_reward``.

    Wraps ``env.compute_reward`` (an instance attribute, removed by :meth:`close`) and records, per term, how much the
    step added to ``env.episode_sums`` for environment ``env_id``.
    """

    def __init__(self, env: Any, env_id: int = 0) -> None:
        self.env, self.env_id = env, env_id
        self.names = list(env.episode_sums)
        self.last: dict[str, float] = {name: 0.0 for name in self.names}
        self._orig = env.compute_reward
        env.compute_reward = self._compute_reward

    def _compute_reward(self) -> None:
        sums = self.env.episode_sums
        before = {name: float(sums[name][self.env_id]) for name in self.names}
        self._orig()
        self.last = {name: float(sums[name][self.env_id]) - before[name] for name in self.names}

    def close(self) -> None:
        """Restore the environment's own ``compute_reward``."""
        self.env.__dict__.pop("compute_reward", None)


class RollingSeries:
    """The last ``window`` samples of named series against a step counter."""

    def __init__(self, names: list[str], window: int) -> None:
        if window < 2:
            raise ValueError(f"viser.plot_window: expected at least 2 steps, got {window}")
        self.names = list(names)
        self.steps: deque[float] = deque(maxlen=window)
        self.values = {name: deque(maxlen=window) for name in self.names}

    def add(self, step: int, values: dict[str, float]) -> None:
        """Append one sample (missing names get NaN)."""
        self.steps.append(float(step))
        for name in self.names:
            self.values[name].append(float(values.get(name, float("nan"))))

    def clear(self) -> None:
        """Forget every sample."""
        self.steps.clear()
        for v in self.values.values():
            v.clear()

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(steps, series_1, ...) as float64 arrays of equal length."""
        return (np.asarray(self.steps, dtype=np.float64),
                *(np.asarray(self.values[n], dtype=np.float64) for n in self.names))


class PlotPanel:
    """The viewer's charts: rewards per term, tracking (or command) errors, and foot contact forces of one env.

    Args:
        server: a ``viser.ViserServer`` (charts are added to the current GUI container).
        env: the environment; tracking environments (with ``reference``) plot joint and link errors, velocity
            environments their command-tracking errors.
        env_id: the environment plotted.
        window: steps kept per chart.
        every: charts are redrawn every ``every`` recorded steps.
    """

    def __init__(self, server: Any, env: Any, env_id: int = 0, window: int = 250, every: int = 5) -> None:
        from viser import uplot

        self._uplot = uplot
        self.server, self.env, self.env_id, self.every = server, env, env_id, max(1, every)
        self.tracking = hasattr(env, "reference")
        self.rewards = RewardTap(env, env_id)
        self.feet = list(env.feet_body_names)
        # degrees and centimetres: tracking errors are small, and axis labels in rad / m all read "0"
        error_names = ["joint error [deg]", "link error [cm]"] if self.tracking else ["|v_cmd - v| [m/s]",
                                                                                     "|w_cmd - w| [rad/s]"]
        # the termination penalty is one large spike per episode that flattens every other term: not drawn
        self.reward_names = [n for n in self.rewards.names if n != "termination"]
        self.series = {
            "rewards": RollingSeries(self.reward_names, window),
            "errors": RollingSeries(error_names, window),
            "contacts": RollingSeries([f"{b} |F| [N]" for b in self.feet], window),
        }
        titles = {"rewards": "Rewards per term (per step; termination not drawn)", "errors": "Tracking errors" if self.tracking else
                  "Command tracking errors", "contacts": "Foot contact forces"}
        self.charts = {key: self._add_chart(titles[key], s) for key, s in self.series.items()}
        self._count = 0

    def _add_chart(self, title: str, series: RollingSeries) -> Any:
        uplot = self._uplot
        specs = [uplot.Series(label="step")] + [
            uplot.Series(label=name, stroke=PALETTE[i % len(PALETTE)], width=1.5) for i, name in enumerate(series.names)
        ]
        empty = tuple(np.zeros(0) for _ in range(len(series.names) + 1))
        return self.server.gui.add_uplot(empty, tuple(specs), title=title, aspect=1.6,
                                         scales={"x": uplot.Scale(time=False, auto=True), "y": uplot.Scale(auto=True)})

    def _errors(self) -> dict[str, float]:
        env, i = self.env, self.env_id
        names = self.series["errors"].names
        if self.tracking:
            ref = env.reference()
            k = env.num_tracked
            joint = (env.dof_pos[i] - ref["joints"][i]).abs().mean()
            link = (env.links().pos[i, :k] - ref["link_pos"][i, :k]).norm(dim=-1).mean()
            return {names[0]: float(joint) * 180.0 / np.pi, names[1]: float(link) * 100.0}
        lin = (env.commands[i, :2] - env.base_lin_vel[i, :2]).norm()
        yaw = (env.commands[i, 2] - env.base_ang_vel[i, 2]).abs()
        return {names[0]: float(lin), names[1]: float(yaw)}

    def record(self, step: int) -> None:
        """Sample the last step (call right after ``env.step``) and redraw every ``every`` samples."""
        self.series["rewards"].add(step, {n: self.rewards.last[n] for n in self.reward_names})
        self.series["errors"].add(step, self._errors())
        forces = self.env.contact_forces[self.env_id, self.env.feet_indices].norm(dim=-1)
        self.series["contacts"].add(step, dict(zip(self.series["contacts"].names, forces.tolist())))
        self._count += 1
        if self._count % self.every == 0:
            self.redraw()

    def redraw(self) -> None:
        """Push the current series into the charts."""
        for key, chart in self.charts.items():
            chart.data = self.series[key].arrays()

    def clear(self) -> None:
        """Empty every chart (after a reset or a clip change)."""
        for s in self.series.values():
            s.clear()
        self.redraw()

    def close(self) -> None:
        """Detach from the environment."""
        self.rewards.close()

