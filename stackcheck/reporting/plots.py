"""PNG plots for the report: latency over time from raw samples, the stack's resources, and
each measured number's trend across runs."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a display
import matplotlib.pyplot as plt  # noqa: E402

from ..resources import StatsSample  # noqa: E402
from ..slo import percentile  # noqa: E402


def windows(samples: list[dict], width_s: float) -> dict[str, list[tuple[float, float, float]]]:
    """Per SLO, per window of `width_s` seconds: (window start, p50, p95) of successful requests."""
    grouped: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in samples:
        if s["ok"]:
            grouped[s["slo"]][int(s["t"] // width_s)].append(s["ms"])
    return {name: [(i * width_s, percentile(v, 50), percentile(v, 95)) for i, v in sorted(by_window.items())]
            for name, by_window in sorted(grouped.items())}


def latency_over_time(samples: list[dict], path: Path, title: str, warmup_s: float,
                      width_s: float = 2.0) -> Path:
    fig, ax = plt.subplots(figsize=(10, 5))
    for name, points in windows(samples, width_s).items():
        t, p50, p95 = zip(*points)
        line, = ax.plot(t, p95, label=f"{name} p95")
        ax.plot(t, p50, linestyle="--", color=line.get_color(), label=f"{name} p50")
    ax.axvspan(0, warmup_s, color="grey", alpha=0.15, label="warm-up and sign-ins (not gated)")
    ax.set(title=title, xlabel="seconds since start", ylabel="latency (ms)", yscale="log")
    ax.legend(fontsize="small", ncol=2)
    ax.grid(True, alpha=0.3)
    return _save(fig, path)


def resources_over_time(samples: list[StatsSample], cpus: int, path: Path, title: str) -> Path:
    fig, (mem, cpu) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    t = [s.t for s in samples]
    services = sorted({name for s in samples for name in s.memory_mb})
    mem.stackplot(t, *[[s.memory_mb.get(n, 0) for s in samples] for n in services], labels=services)
    mem.set(title=title, ylabel="memory (MiB)")
    mem.legend(fontsize="small", loc="upper left", ncol=3)
    cpu.stackplot(t, *[[s.cpu.get(n, 0) / cpus for s in samples] for n in services], labels=services)
    cpu.set(xlabel="seconds since start", ylabel="CPU (% of the machine)")
    for ax in (mem, cpu):
        ax.grid(True, alpha=0.3)
    return _save(fig, path)


def trends(series: dict[str, list[tuple[str, float, float | None]]], path: Path, title: str) -> Path:
    """One small chart per measured number: its value per run (oldest first) and its limit, so a
    number creeping towards its limit over nights is seen at a glance."""
    names = sorted(series)
    columns = 3
    rows = max(1, -(-len(names) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        runs = series[name]
        x = range(len(runs))
        ax.plot(x, [value for _, value, _ in runs], marker="o", label="measured")
        limits = [limit for _, _, limit in runs]
        if any(limit is not None for limit in limits):
            ax.plot(x, limits, color="red", linestyle="--", label="limit")
        ax.set_title(name, fontsize="small")
        ax.set_xticks(list(x), [when[5:16] for when, _, _ in runs], rotation=45, fontsize="x-small")
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.suptitle(title)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
