"""The evaluation report: the console table, the plot (PNG with matplotlib, else SVG) and JSON-safe values."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

__all__ = ["format_table", "json_safe", "plot_results", "write_svg"]


def _fmt(x: float, spec: str) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def format_table(summary: dict[str, Any]) -> str:
    """A fixed-width table of per-clip and overall metrics."""
    head = (f"{'clip':<22} {'episodes':>8} {'success':>8} {'joint err':>10} {'link err':>9} {'link rel':>9} "
            f"{'contacts':>9} {'frames tracked':>16}")
    units = f"{'':<22} {'':>8} {'':>8} {'[rad]':>10} {'[m]':>9} {'[m]':>9} {'match':>9} {'mean / length':>16}"
    lines = [head, units, "-" * len(head)]

    def row(name: str, m: dict[str, Any], length: str) -> str:
        frames = f"{_fmt(m['frames_tracked_mean'], '.0f')} / {length}"
        return (f"{name:<22} {m['episodes']:>8d} {_fmt(m['success_rate'], '.2f'):>8} "
                f"{_fmt(m['joint_error_rad'], '.4f'):>10} {_fmt(m['link_pos_error_m'], '.4f'):>9} "
                f"{_fmt(m['link_pos_error_root_rel_m'], '.4f'):>9} {_fmt(m['contact_match'], '.3f'):>9} "
                f"{frames:>16}")

    for name, m in summary["clips"].items():
        lines.append(row(name, m, str(m["clip_length"])))
    lines.append("-" * len(head))
    o = summary["overall"]
    lines.append(row("overall", o, f"{_fmt(o['frames_tracked_frac'] * 100 if o['episodes'] else math.nan, '.0f')}%"))
    lines.append(f"mean success over clips: {_fmt(o['success_rate_clip_mean'], '.3f')}")
    return "\n".join(lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_svg(summary: dict[str, Any], path: str, title: str = "") -> None:
    """Two bar charts as a standalone SVG: success rate per clip, and link position errors per clip."""
    clips = list(summary["clips"].items())
    n = max(1, len(clips))
    label_w, bar_w, gap, row_h, top = 170, 300, 80, 26, 70
    width = label_w + 2 * bar_w + gap + 90
    height = top + n * row_h + 60
    err_max = max([m["link_pos_error_m"] for _, m in clips if not math.isnan(m["link_pos_error_m"])]
                  + [m["link_pos_error_root_rel_m"] for _, m in clips if not math.isnan(m["link_pos_error_root_rel_m"])]
                  + [1e-3])
    err_max = _nice_ceiling(err_max)
    x1 = label_w
    x2 = label_w + bar_w + gap
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{_esc(title)}</text>',
        f'<text x="{x1}" y="{top - 22}" font-weight="bold">success rate</text>',
        f'<text x="{x2}" y="{top - 22}" font-weight="bold">link position error [m]</text>',
        f'<rect x="{x2 + 170}" y="{top - 32}" width="10" height="10" fill="#d95f02"/>'
        f'<text x="{x2 + 184}" y="{top - 23}">global</text>',
        f'<rect x="{x2 + 230}" y="{top - 32}" width="10" height="10" fill="#7570b3"/>'
        f'<text x="{x2 + 244}" y="{top - 23}">root-rel.</text>',
    ]
    for i, (name, m) in enumerate(clips):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_esc(name)}</text>')
        sr = m["success_rate"]
        w = 0.0 if math.isnan(sr) else sr * bar_w
        out.append(f'<rect x="{x1}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="#eeeeee"/>')
        out.append(f'<rect x="{x1}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="#1b9e77"/>')
        out.append(f'<text x="{x1 + bar_w + 4}" y="{y + 15}">{_fmt(sr, ".2f")}</text>')
        for j, (key, colour) in enumerate((("link_pos_error_m", "#d95f02"), ("link_pos_error_root_rel_m", "#7570b3"))):
            v = m[key]
            w = 0.0 if math.isnan(v) else min(v / err_max, 1.0) * bar_w
            h = (row_h - 8) / 2
            out.append(f'<rect x="{x2}" y="{y + 3 + j * h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}"/>')
        out.append(f'<text x="{x2 + bar_w + 4}" y="{y + 15}">{_fmt(m["link_pos_error_m"], ".3f")}</text>')
    axis_y = top + n * row_h + 4
    for x0, lo, hi in ((x1, 0.0, 1.0), (x2, 0.0, err_max)):
        out.append(f'<line x1="{x0}" y1="{axis_y}" x2="{x0 + bar_w}" y2="{axis_y}" stroke="black"/>')
        for t in range(5):
            xt = x0 + bar_w * t / 4
            out.append(f'<line x1="{xt:.1f}" y1="{axis_y}" x2="{xt:.1f}" y2="{axis_y + 4}" stroke="black"/>')
            out.append(f'<text x="{xt:.1f}" y="{axis_y + 17}" text-anchor="middle">{lo + (hi - lo) * t / 4:.3g}</text>')
    o = summary["overall"]
    out.append(f'<text x="10" y="{height - 12}">overall: success {_fmt(o["success_rate"], ".2f")}, joint error '
               f'{_fmt(o["joint_error_rad"], ".4f")} rad, link error {_fmt(o["link_pos_error_m"], ".4f")} m '
               f'(root-rel. {_fmt(o["link_pos_error_root_rel_m"], ".4f")} m), contact match '
               f'{_fmt(o["contact_match"], ".3f")}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def _nice_ceiling(x: float) -> float:
    """Smallest of 1, 2, 2.5, 5 x 10^k that is >= x."""
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exp >= x:
            return m * 10**exp
    return 10.0 ** (exp + 1)  # pragma: no cover


def plot_results(summary: dict[str, Any], out_dir: str, title: str = "",
                 curves: dict[str, tuple[Any, Any, Any]] | None = None) -> str:
    """``eval.png`` with matplotlib when it is installed, else ``eval.svg``; returns the file's path. ``curves``:
    clip -> (time [s], mean joint error, mean link error) over the clip's frames (:meth:`ClipMetrics.error_curves`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        path = os.path.join(out_dir, "eval.svg")
        write_svg(summary, path, title)
        return path
    names = list(summary["clips"])
    m = list(summary["clips"].values())
    fig = plt.figure(figsize=(14, 1.5 + 0.4 * len(names) + (3.2 if curves else 0.0)))
    grid = fig.add_gridspec(2 if curves else 1, 3, height_ratios=[1.0 + 0.4 * len(names), 3.0] if curves else None)
    ax1 = fig.add_subplot(grid[0, 0])
    ax3 = fig.add_subplot(grid[0, 1], sharey=ax1)
    ax2 = fig.add_subplot(grid[0, 2], sharey=ax1)
    if curves:
        ax_j, ax_l = fig.add_subplot(grid[1, :2]), fig.add_subplot(grid[1, 2])
        for name, (t, joint, link) in curves.items():
            ax_j.plot(t, np.degrees(joint), label=name)
            ax_l.plot(t, 100 * link, label=name)
        ax_j.set_xlabel("time in the clip [s]")
        ax_j.set_ylabel("joint error [deg]")
        ax_l.set_xlabel("time in the clip [s]")
        ax_l.set_ylabel("link error [cm]")
        ax_j.legend(fontsize=7)
        ax_j.grid(alpha=0.3)
        ax_l.grid(alpha=0.3)
    ys = list(range(len(names)))
    ax1.barh(ys, [x["success_rate"] for x in m], color="#1b9e77")
    ax1.set_xlim(0, 1)
    ax1.set_xlabel("success rate (from frame 0)")
    ax1.set_yticks(ys, names)
    ax1.invert_yaxis()
    ax3.barh(ys, [x["frames_tracked_frac"] for x in m], color="#66a61e")
    ax3.set_xlim(0, 1)
    ax3.set_xlabel("frames tracked (fraction of the clip)")
    h = 0.4
    ax2.barh([y - h / 2 for y in ys], [x["link_pos_error_m"] for x in m], height=h, color="#d95f02", label="global")
    ax2.barh([y + h / 2 for y in ys], [x["link_pos_error_root_rel_m"] for x in m], height=h, color="#7570b3",
             label="root-relative")
    ax2.set_xlabel("link position error [m]")
    ax2.legend()
    fig.suptitle(title)
    fig.tight_layout()
    path = os.path.join(out_dir, "eval.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj
