"""`mags tune`'s arguments; the work is in `mags.tune.run` (imported only when it runs, so
that Optuna does not slow down every other `mags` command).

Example
-------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_tune_command(parser.add_subparsers())
>>> args = parser.parse_args(["tune", "--track", "tiny", "--seeds", "1-3", "--trials", "5"])
>>> args.sampler, args.objective, args.workers, args.holdout
('tpe', 'play', 1, None)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mags.extract.noise_flags import add_noise_flags, noise_from_flags
from mags.tune.choices import HOLDOUT_COUNT, OBJECTIVES, PRUNERS, SAMPLERS


def add_tune_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``mags tune``."""
    tune = commands.add_parser(
        "tune",
        help="tune the memory's hyperparameters on a track (Optuna), resumable and parallel",
        description="Search MemoryConfig's hyperparameters on TRACK's --seeds games with "
        "Optuna, in --workers processes against one study storage (a SQLite file in --out by "
        "default; a PostgreSQL URL lets many machines join). The same command resumes the "
        "study by name. The best config is re-measured against the defaults on held-out "
        "seeds and written to OUT/best.toml (mags play/bench/web --config read it), with "
        "plots and OUT/summary.md. See docs/tuning.md.",
    )
    tune.add_argument("--track", required=True, help="the track, e.g. kitchen-difficult")
    tune.add_argument(
        "--seeds", required=True, help="search seeds, development ones (1-999), e.g. 1-40"
    )
    tune.add_argument(
        "--holdout",
        help=f"held-out seeds, never searched (default: the {HOLDOUT_COUNT} after --seeds)",
    )
    tune.add_argument(
        "--trials", type=int, default=30, help="the study's total trials (default %(default)s)"
    )
    tune.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    tune.add_argument("--storage", help="Optuna storage URL (default: sqlite:///OUT/study.db)")
    tune.add_argument("--study", help="study name (default: TRACK-OBJECTIVE-SAMPLER)")
    tune.add_argument("--sampler", default="tpe", choices=SAMPLERS, help="default tpe")
    tune.add_argument("--objective", default="play", choices=OBJECTIVES, help="default play")
    tune.add_argument("--pruner", default="median", choices=PRUNERS, help="default median")
    tune.add_argument(
        "--compare",
        default="",
        help="other samplers to run as studies NAME-SAMPLER with the same trials and compare "
        "in summary.md, e.g. coordinate",
    )
    tune.add_argument(
        "--params",
        help="comma-separated hyperparameters to search (default: the objective's; see "
        "docs/tuning.md)",
    )
    tune.add_argument("--a", type=float, default=0.1, help="weight of steps / walkthrough")
    tune.add_argument("--b", type=float, default=0.1, help="weight of active facts / scale")
    tune.add_argument(
        "--fact-scale", type=float, default=100.0, help="active facts that cost b (default 100)"
    )
    tune.add_argument(
        "--capacity-budget", type=int, default=20, help="belief objective's capacity (default 20)"
    )
    tune.add_argument(
        "--probe-steps", type=int, default=100, help="belief objective's steps per game"
    )
    tune.add_argument("--seed", type=int, default=0, help="sampler seed (default 0)")
    tune.add_argument("--out", default="tune-out", help="output folder (default tune-out)")
    tune.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    add_noise_flags(tune)
    tune.set_defaults(run=_run_tune)


def _run_tune(args: argparse.Namespace) -> int:
    from mags.tune.objectives import Objective
    from mags.tune.run import tune_command
    from mags.tune.space import check_names
    from mags.worlds.cache import WorldCache
    from mags.worlds.seeds import parse_seeds

    cache = WorldCache(args.cache) if args.cache else WorldCache.default()
    objective = Objective(
        args.objective,
        a=args.a,
        b=args.b,
        fact_scale=args.fact_scale,
        capacity_budget=args.capacity_budget,
        probe_steps=args.probe_steps,
        parameters=check_names(args.params.split(",")) if args.params else (),
        noise=noise_from_flags(args),
        noise_seed=args.noise_seed,
    )
    return tune_command(
        args.track,
        parse_seeds(args.seeds),
        objective=objective,
        holdout=parse_seeds(args.holdout) if args.holdout else None,
        trials=args.trials,
        workers=args.workers,
        storage=args.storage,
        study=args.study,
        sampler=args.sampler,
        pruner=args.pruner,
        compare_with=[s.strip() for s in args.compare.split(",") if s.strip()],
        seed=args.seed,
        out=Path(args.out),
        cache=cache,
    )
