"""`mags tune`'s pipeline: games, study, compared studies, held-out check, reports.

Steps: make sure every game is in the world cache, run the study (resuming it by name),
run the studies to compare with (``--compare coordinate``), re-measure the best config
against the defaults on held-out seeds, and write ``best.toml``, the plots and
``summary.md`` into the output folder.

Example
-------
>>> holdout_seeds(None, [1, 2, 3])
[4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from optuna.trial import FrozenTrial
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.tune.choices import HOLDOUT_COUNT, SAMPLERS
from mags.tune.holdout import Holdout, best_trial, compare, measure_sides, tuned_config
from mags.tune.objectives import Objective
from mags.tune.report import hide_password, write_plots, write_summary
from mags.tune.study import RunRecord, TuneSpec, default_storage, open_study, run_study
from mags.worlds.cache import WorldCache
from mags.worlds.generate import make_games
from mags.worlds.seeds import REPORTING_SEEDS
from mags.worlds.tracks import get_track

BEST_FILE = "best.toml"


def holdout_seeds(given: Sequence[int] | None, search: Sequence[int]) -> list[int]:
    """The held-out seeds: as given, else the `HOLDOUT_COUNT` after the search seeds;
    sharing a seed with the search, or searching on the reporting seeds, is an error."""
    reporting = sorted(set(search) & set(REPORTING_SEEDS))
    if reporting:
        raise InvalidInputError(
            f"--seeds includes {_span(reporting)}, reporting seeds (1001-1020): a study that "
            "searches on them reports figures it was fitted to. Search on development seeds "
            "and hold the reporting ones out, e.g. --seeds 1-40 --holdout 1001-1020"
        )
    seeds = list(given) if given else list(range(max(search) + 1, max(search) + 1 + HOLDOUT_COUNT))
    shared = sorted(set(seeds) & set(search))
    if shared:
        raise InvalidInputError(
            f"held-out seeds {shared} are also search seeds; held-out seeds must be new "
            "(leave --holdout out to take the ones after --seeds)"
        )
    return seeds


def tune_command(
    track: str,
    seeds: Sequence[int],
    *,
    objective: Objective,
    out: Path,
    cache: WorldCache,
    holdout: Sequence[int] | None = None,
    trials: int = 30,
    workers: int = 1,
    storage: str | None = None,
    study: str | None = None,
    sampler: str = "tpe",
    pruner: str = "median",
    compare_with: Sequence[str] = (),
    seed: int = 0,
    console: Console | None = None,
) -> int:
    """Run `mags tune`; returns the exit status."""
    err = console or Console(stderr=True, width=None if sys.stderr.isatty() else 120)
    for name in compare_with:
        if name not in SAMPLERS or name == sampler:
            raise InvalidInputError(
                f"--compare {name!r}: name samplers other than --sampler, from "
                f"{', '.join(SAMPLERS)}"
            )
    if workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, got {workers}")
    held = holdout_seeds(holdout, seeds)
    out.mkdir(parents=True, exist_ok=True)
    search, held = _available(track, list(seeds), held, cache, workers, err)
    spec = TuneSpec(
        track=track,
        seeds=tuple(search),
        objective=objective,
        study_name=study or f"{track}-{objective.name}-{sampler}",
        storage=storage or default_storage(out),
        cache_root=str(cache.root),
        sampler=sampler,
        pruner=pruner,
        seed=seed,
    )
    err.print(
        f"study [bold]{spec.study_name}[/] in {hide_password(spec.storage)}: {objective.formula()}"
    )
    record = _run_with_bar(spec, trials, workers, err)
    others = []
    for name in compare_with:
        other = replace(spec, sampler=name, study_name=f"{spec.study_name}-{name}")
        _run_with_bar(other, trials, workers, err)
        others.append(open_study(other))
    main = open_study(spec)
    best = best_trial(main, objective)
    result = _holdout(spec, best, held, workers, err) if held else None
    tuned = result.tuned.config if result else tuned_config(best, objective)
    header = [
        f"# mags tune: study {spec.study_name}, trial #{best.number}",
        f"# objective {objective.name}: {objective.formula()}",
        f"# track {track}, search seeds {_span(search)}, held-out seeds {_span(held)}",
    ]
    if result is not None:
        header.append(
            f"# held-out loss: default {result.default.mean:.4f}, tuned {result.tuned.mean:.4f} "
            f"({result.improvement:+.1%})"
        )
    (out / BEST_FILE).write_text("\n".join(header) + "\n" + tuned.to_toml(), encoding="utf-8")
    notes = write_plots(main, objective, out)
    spec_lines = [
        f"- track: {track}; search seeds {_span(search)}; held-out seeds {_span(held)}",
        f"- study `{spec.study_name}` ({spec.sampler} sampler, {spec.pruner} pruner) in "
        f"`{hide_password(spec.storage)}`",
        f"- best config: [{BEST_FILE}]({BEST_FILE}) (`mags play --config {BEST_FILE}`)",
    ]
    summary = write_summary(out, main, spec_lines, objective, best, result, others, record, notes)
    if result is not None:
        err.print(
            f"held-out loss: default {result.default.mean:.4f} ± {result.default.std:.4f}, "
            f"tuned {result.tuned.mean:.4f} ± {result.tuned.std:.4f} "
            f"([bold]{result.improvement:+.1%}[/])"
        )
    err.print(f"wrote {out / BEST_FILE} and {summary}")
    return 0


def _span(seeds: Sequence[int]) -> str:
    if not seeds:
        return "none"
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))) and len(seeds) > 1:
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(map(str, seeds))


def _available(
    track: str,
    search: list[int],
    held: list[int],
    cache: WorldCache,
    workers: int,
    err: Console,
) -> tuple[list[int], list[int]]:
    """Generate what the cache lacks (say so); leave out seeds the track skips."""
    chosen = get_track(track)
    missing = [s for s in search + held if not cache.has_game(chosen.name, s)]
    if missing:
        err.print(f"generating {len(missing)} games of {track} (seconds each) ...")
    results = make_games(chosen, search + held, cache=cache, workers=workers)
    skipped = {r.seed for r in results if r.status == "skipped"}
    for result in results:
        if result.status == "skipped":
            err.print(f"[yellow]seed {result.seed} of {track} is skipped: {result.reason}[/]")
    search = [s for s in search if s not in skipped]
    if not search:
        raise InvalidInputError(f"no search seed of {track} could be generated")
    return search, [s for s in held if s not in skipped]


def _bar(err: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def _run_with_bar(spec: TuneSpec, trials: int, workers: int, err: Console) -> RunRecord:
    with _bar(err) as progress:
        task = progress.add_task(f"tune {spec.study_name}", total=None)

        def update(done: int, todo: int) -> None:
            progress.update(task, completed=done, total=todo)

        record = run_study(spec, trials, workers, on_progress=update)
    if record.trials:
        err.print(
            f"{spec.study_name}: {record.trials} trials in {record.wall_s:.0f} s on {workers} "
            f"workers ({record.trials_per_minute:.1f} per minute)"
        )
    else:
        err.print(f"{spec.study_name}: already has {trials} finished trials (resumed, no work)")
    return record


def _holdout(
    spec: TuneSpec, best: FrozenTrial, held: list[int], workers: int, err: Console
) -> Holdout:
    configs = {"default": MemoryConfig(), "tuned": tuned_config(best, spec.objective)}
    with _bar(err) as progress:
        task = progress.add_task("held-out games", total=len(held) * len(configs))

        def advance() -> None:
            progress.advance(task)

        measures = measure_sides(
            spec.objective, spec.track, held, configs, spec.cache_root, workers, advance
        )
    return compare(spec.objective, held, measures, configs)
