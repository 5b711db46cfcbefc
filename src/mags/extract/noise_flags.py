"""``--noise`` and ``--noise-seed`` on the command line, for every command that takes them.

Example
-------
>>> parser = argparse.ArgumentParser()
>>> add_noise_flags(parser)
>>> noise_from_flags(parser.parse_args(["--noise", "0.2"])).drop
0.2
"""

from __future__ import annotations

import argparse

from mags.extract.noise import NoiseSpec, parse_noise


def add_noise_flags(parser: argparse.ArgumentParser) -> None:
    """``--noise`` and ``--noise-seed``: seeded extraction errors (`mags.extract.noise`)."""
    parser.add_argument(
        "--noise",
        help="seeded extraction errors: a level L (drop=L, false=L, swap=L/2) or "
        "drop=P,false=Q,swap=R (per fact); outcomes=noisy misreads the agent's own outcomes too",
    )
    parser.add_argument(
        "--noise-seed", type=int, default=0, help="seed of the noise (default %(default)s)"
    )


def noise_from_flags(args: argparse.Namespace) -> NoiseSpec | None:
    """The regime ``--noise`` names, or None without the flag."""
    return parse_noise(args.noise) if args.noise else None
