"""Reports of a study: plots (PNG and one self-contained HTML page) and ``summary.md``.

PNGs come from ``optuna.visualization.matplotlib``; ``report.html`` holds the same plots
from ``optuna.visualization`` (plotly), interactive, with plotly's script inlined once so
the page opens offline. A plot that cannot be drawn yet (too few trials, a parameter that
never varied) is left out and the summary says why.

Example
-------
>>> mean_std([1.0, 2.0, 3.0])
'2.000 ± 1.000'
>>> hide_password("postgresql://tuner:secret@db.lan/mags")
'postgresql://tuner:***@db.lan/mags'
"""

from __future__ import annotations

import contextlib
import re
import statistics
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import optuna
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from mags.config import MemoryConfig
from mags.tune.holdout import Holdout
from mags.tune.objectives import Objective
from mags.tune.space import SPACE
from mags.tune.study import FINISHED, RunRecord

HTML_FILE = "report.html"
SUMMARY_FILE = "summary.md"


def mean_std(values: Sequence[float]) -> str:
    """``mean ± std`` with three decimals."""
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.3f} ± {std:.3f}"


def hide_password(url: str) -> str:
    """A storage URL fit to print: its password masked."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


@dataclass(frozen=True)
class SamplerRow:
    """How one study's search went: its best, and when it got there."""

    study: str
    sampler: str
    trials: int
    best: float | None
    trials_to_best: int | None
    seconds_to_best: float | None


def _target(objective: Objective) -> Callable[[FrozenTrial], float] | None:
    if len(objective.directions) == 1:
        return None
    return lambda t: t.values[0] + objective.b * t.values[1]


def _loss(trial: FrozenTrial, objective: Objective) -> float | None:
    if trial.state != TrialState.COMPLETE or trial.values is None:
        return None
    target = _target(objective)
    return target(trial) if target is not None else trial.values[0]


def trials_to_reach(study: Study, objective: Objective, level: float) -> tuple[int, float] | None:
    """Finished trials, and seconds since the first began, until a loss <= `level`."""
    trials = sorted(study.get_trials(deepcopy=False, states=FINISHED), key=lambda t: t.number)
    starts = [t.datetime_start for t in trials if t.datetime_start is not None]
    for count, trial in enumerate(trials, start=1):
        loss = _loss(trial, objective)
        if loss is not None and loss <= level + 1e-9:
            end = trial.datetime_complete
            seconds = (end - min(starts)).total_seconds() if end and starts else 0.0
            return count, seconds
    return None


def sampler_row(study: Study, objective: Objective) -> SamplerRow:
    """The study's best loss and the trials and seconds it took to reach it."""
    trials = study.get_trials(deepcopy=False, states=FINISHED)
    losses = [x for x in (_loss(t, objective) for t in trials) if x is not None]
    sampler = str(study.user_attrs.get("sampler", "?"))
    if not losses:
        return SamplerRow(study.study_name, sampler, len(trials), None, None, None)
    best = min(losses)
    reached = trials_to_reach(study, objective, best)
    count, seconds = reached if reached is not None else (None, None)
    return SamplerRow(study.study_name, sampler, len(trials), best, count, seconds)


def write_plots(study: Study, objective: Objective, out: Path) -> list[str]:
    """Write the PNGs and ``report.html``; returns notes on plots left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import optuna.visualization as pv
    import optuna.visualization.matplotlib as pm

    target = _target(objective)
    name = "loss" if target is None else "play loss"
    kwargs: dict[str, Any] = {"target": target, "target_name": name} if target else {}
    notes: list[str] = []
    important = _important_params(study, target, notes)
    # Optuna's matplotlib contour needs scipy (not a dependency); `_contour_png` needs none.
    contour = partial(_contour_png, loss=lambda t: _loss(t, objective), params=important[:3])
    plots: list[tuple[str, Callable[..., Any], Callable[..., Any], dict[str, Any]]] = [
        ("history", pm.plot_optimization_history, pv.plot_optimization_history, kwargs),
        ("importances", pm.plot_param_importances, pv.plot_param_importances, kwargs),
        ("slice", pm.plot_slice, pv.plot_slice, kwargs),
        ("contour", contour, pv.plot_contour, kwargs | {"params": important[:3]}),
    ]
    if len(objective.directions) > 1:
        names = ["score + steps term", "active facts / scale"]
        pareto = {"target_names": names}
        plots.append(("pareto", pm.plot_pareto_front, pv.plot_pareto_front, pareto))
    figures: list[tuple[str, Any]] = []
    for label, png_plot, html_plot, options in plots:
        if label == "contour" and len(important) < 2:
            notes.append("contour: needs two parameters that varied")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                axes = contour(study) if label == "contour" else png_plot(study, **options)
                first = axes.flat[0] if hasattr(axes, "flat") else axes
                first.figure.savefig(out / f"{label}.png", dpi=90, bbox_inches="tight")
                plt.close(first.figure)
                figures.append((label, html_plot(study, **options)))
        except (ValueError, RuntimeError, ZeroDivisionError) as exc:
            notes.append(f"{label}: not drawn ({exc})")
    _write_html(figures, out / HTML_FILE, study.study_name)
    return notes


def _contour_png(
    study: Study, loss: Callable[[FrozenTrial], float | None], params: Sequence[str]
) -> Any:
    """Loss over each pair of `params`: the trials as dots, a triangulated contour under them."""
    import matplotlib.pyplot as plt
    from matplotlib.tri import Triangulation

    pairs = [(x, y) for i, x in enumerate(params) for y in params[i + 1 :]]
    fig, axes = plt.subplots(1, len(pairs), figsize=(5 * len(pairs), 4), squeeze=False)
    points = [(t, loss(t)) for t in study.get_trials(deepcopy=False)]
    done = [(t, v) for t, v in points if v is not None]
    for ax, (x, y) in zip(axes.flat, pairs, strict=False):
        rows = [(t.params[x], t.params[y], v) for t, v in done if x in t.params and y in t.params]
        xs, ys, zs = (list(c) for c in zip(*rows, strict=True))
        for name, scale in ((x, ax.set_xscale), (y, ax.set_yscale)):
            if SPACE[name].log:
                scale("log")
        if len(set(zip(xs, ys, strict=True))) >= 4:
            # Collinear points cannot be triangulated: the dots alone then.
            with contextlib.suppress(ValueError, RuntimeError):
                ax.tricontourf(Triangulation(xs, ys), zs, levels=12, cmap="Blues_r", alpha=0.6)
        dots = ax.scatter(xs, ys, c=zs, cmap="Blues_r", edgecolors="black", s=30)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        fig.colorbar(dots, ax=ax, label="loss")
    fig.suptitle("Contour (loss over pairs of the most important parameters)")
    return axes


def _important_params(
    study: Study, target: Callable[[FrozenTrial], float] | None, notes: list[str]
) -> list[str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return list(optuna.importance.get_param_importances(study, target=target))
    except (ValueError, RuntimeError) as exc:
        notes.append(f"importances: not computed ({exc})")
        return []


def _write_html(figures: list[tuple[str, Any]], path: Path, title: str) -> None:
    parts = [
        f"<h2>{label}</h2>" + fig.to_html(full_html=False, include_plotlyjs=(i == 0))
        for i, (label, fig) in enumerate(figures)
    ]
    path.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>mags tune: {title}</h1>{''.join(parts)}</body></html>",
        encoding="utf-8",
    )


def write_summary(
    out: Path,
    study: Study,
    spec_lines: list[str],
    objective: Objective,
    best: FrozenTrial,
    holdout: Holdout | None,
    compared: Sequence[Study],
    record: RunRecord,
    notes: Sequence[str],
) -> Path:
    """Write ``summary.md``: the study, held-out default vs tuned, samplers, plots."""
    trials = study.get_trials(deepcopy=False)
    counts = {s: sum(t.state == s for t in trials) for s in TrialState}
    lines = [f"# mags tune: {study.study_name}", "", *spec_lines, ""]
    lines += [
        f"- objective: `{objective.name}` — {objective.formula()}",
        f"- trials: {counts[TrialState.COMPLETE]} complete, {counts[TrialState.PRUNED]} "
        f"pruned, {counts[TrialState.FAIL]} failed",
    ]
    for run in study.user_attrs.get("runs", []):
        done = RunRecord(**run)
        lines.append(
            f"- run: {done.trials} trials on {done.workers} workers in {done.wall_s:.0f} s "
            f"= **{done.trials_per_minute:.1f} trials per minute**"
        )
    if record.trials == 0:
        lines.append("- this run: nothing to do (the study already had its trials)")
    lines += ["", f"Best trial: #{best.number}, loss {_loss(best, objective) or 0:.4f}", ""]
    if holdout is not None:
        lines += _holdout_lines(holdout, objective.name == "belief")
    lines += _params_lines(holdout.tuned.config if holdout else MemoryConfig(), objective)
    if compared:
        lines += _sampler_lines([study, *compared], objective)
    lines += ["## Plots", ""]
    for png in sorted(out.glob("*.png")):
        lines.append(f"![{png.stem}]({png.name})")
    lines.append(f"\nInteractive: [{HTML_FILE}]({HTML_FILE}) (plotly, self-contained).")
    lines += [f"- {note}" for note in notes]
    path = out / SUMMARY_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _columns(belief: bool) -> list[str]:
    return ["F1"] if belief else ["score", "won", "steps / walkthrough", "active facts"]


def _holdout_lines(holdout: Holdout, belief: bool) -> list[str]:
    seeds = ", ".join(map(str, holdout.seeds))
    low, high = holdout.interval
    lines = [
        "## Held-out seeds: default against tuned",
        "",
        f"Seeds {seeds} (never used in the search), {len(holdout.seeds)} games per config.",
        "",
        "| config | loss (mean ± std) | " + " | ".join(_columns(belief)) + " |",
        "|---|---|" + "---|" * len(_columns(belief)),
    ]
    for side in (holdout.default, holdout.tuned):
        m = side.measures
        if belief:
            cells = [f"{statistics.fmean(x.f1 for x in m):.3f}"]
        else:
            cells = [
                f"{statistics.fmean(x.normalized_score for x in m):.3f}",
                f"{sum(x.won for x in m)}/{len(m)}",
                f"{statistics.fmean(x.steps / max(1, x.walkthrough_steps) for x in m):.2f}",
                f"{statistics.fmean(x.active_facts for x in m):.1f}",
            ]
        lines.append(f"| {side.label} | {mean_std(side.losses)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"**Relative improvement of the tuned config: {holdout.improvement:+.1%}** "
        f"(paired bootstrap over games, 5–95%: {low:+.1%} to {high:+.1%}).",
        "",
        "| seed | default loss | tuned loss |",
        "|---|---|---|",
    ]
    for seed, d, t in zip(holdout.seeds, holdout.default.losses, holdout.tuned.losses, strict=True):
        lines.append(f"| {seed} | {d:.3f} | {t:.3f} |")
    return [*lines, ""]


def _params_lines(tuned: MemoryConfig, objective: Objective) -> list[str]:
    default = MemoryConfig()
    lines = ["## Tuned hyperparameters (best.toml)", ""]
    lines += ["| name | default | tuned |", "|---|---|---|"]
    for name in objective.parameters + tuple(objective.fixed()):
        lines.append(f"| {name} | {getattr(default, name)} | {_fmt(getattr(tuned, name))} |")
    return [*lines, ""]


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _sampler_lines(studies: Sequence[Study], objective: Objective) -> list[str]:
    rows = [sampler_row(s, objective) for s in studies]
    lines = [
        "## Samplers: trials and wall time to reach their best loss",
        "",
        "| study | sampler | finished trials | best loss | trials to its best "
        "| seconds to its best |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        best = "–" if r.best is None else f"{r.best:.4f}"
        seconds = "–" if r.seconds_to_best is None else f"{r.seconds_to_best:.0f}"
        lines.append(
            f"| {r.study} | {r.sampler} | {r.trials} | {best} | {r.trials_to_best or '–'} "
            f"| {seconds} |"
        )
    by_sampler = {r.sampler: (r, s) for r, s in zip(rows, studies, strict=True)}
    if "coordinate" in by_sampler and "tpe" in by_sampler:
        coord, _ = by_sampler["coordinate"]
        tpe_row, tpe_study = by_sampler["tpe"]
        if coord.best is not None and coord.trials_to_best is not None:
            reached = trials_to_reach(tpe_study, objective, coord.best)
            if reached is None:
                lines.append(
                    f"\nTPE did not reach the coordinate sampler's best loss "
                    f"({coord.best:.4f}) in its {tpe_row.trials} trials."
                )
            else:
                n, took = reached
                lines.append(
                    f"\nTPE reached the coordinate sampler's best loss ({coord.best:.4f}) after "
                    f"**{n} trials** ({took:.0f} s); the coordinate sampler needed "
                    f"{coord.trials_to_best} (ratio {n / coord.trials_to_best:.2f})."
                )
    return [*lines, ""]
