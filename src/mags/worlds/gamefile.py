"""Checking a game file before the interpreter sees it.

Jericho's Z-machine interpreter ends the whole Python process (``Fatal error: Unknown
Z-code version``) on a corrupt story file instead of raising, so the header is checked
here first and a bad file becomes a `WorldError` that says what to do.
"""

from __future__ import annotations

from pathlib import Path

from mags.worlds.errors import WorldError

_HEADER_SIZE = 64
# Header words (byte offsets) that address memory inside the story file.
_ADDRESS_WORDS = {
    0x04: "high memory base",
    0x06: "initial program counter",
    0x08: "dictionary",
    0x0A: "object table",
    0x0C: "global variables",
    0x0E: "static memory base",
}
_LENGTH_SCALE = {1: 2, 2: 2, 3: 2, 4: 4, 5: 4, 6: 8, 7: 8, 8: 8}


def check_game_file(path: str | Path) -> Path:
    """Return the path of a playable TextWorld ``.z8`` game, or raise `WorldError`.

    Checks that the file exists, has the ``.z8`` extension, carries a sane Z-machine
    header, and has TextWorld's ``.json`` beside it (the ground truth the evaluator needs).

    Example
    -------
    >>> check_game_file("missing.z8")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.worlds.errors.WorldError: game file .../missing.z8 does not exist...
    """
    path = Path(path).expanduser().absolute()
    suffix = path.suffix.lower()
    if suffix == ".ulx":
        raise WorldError(
            f"{path} is a Glulx (.ulx) game, which TextWorld 1.7 cannot play; regenerate it as "
            "a .z8 game (tw-make ... --format z8, or `mags worlds make`)"
        )
    if suffix == ".json" and path.with_suffix(".z8").is_file():
        raise WorldError(
            f"{path} is TextWorld's game data; pass the game itself: {path.with_suffix('.z8')}"
        )
    if suffix != ".z8":
        raise WorldError(
            f"{path} is not a .z8 game file (extension {path.suffix or 'none'!r}); pass a "
            "TextWorld game such as ~/.cache/mags/worlds/tiny/1.z8, or a track name"
        )
    if not path.is_file():
        raise WorldError(
            f"game file {path} does not exist; check the path, or generate games with "
            "`mags worlds make TRACK --seeds ...`"
        )
    _check_header(path)
    if not path.with_suffix(".json").is_file():
        raise WorldError(
            f"{path} has no {path.with_suffix('.json').name} beside it; MAGS plays games made "
            "by TextWorld (tw-make or `mags worlds make`), which write both files"
        )
    return path


def _check_header(path: Path) -> None:
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            header = handle.read(_HEADER_SIZE)
    except OSError as exc:
        raise WorldError(f"cannot read game file {path}: {exc}") from None

    def corrupt(why: str) -> WorldError:
        return WorldError(
            f"{path} is not a valid Z-machine game ({why}); the file is corrupt or not a game: "
            "regenerate it (delete it and run `mags worlds make`, or tw-make)"
        )

    if size < _HEADER_SIZE or len(header) < _HEADER_SIZE:
        raise corrupt(f"{size} bytes is shorter than a Z-machine header")
    version = header[0]
    if version != 8:
        raise corrupt(f"header says Z-code version {version}, a .z8 file must be version 8")
    words = {
        offset: int.from_bytes(header[offset : offset + 2], "big") for offset in _ADDRESS_WORDS
    }
    for offset, name in _ADDRESS_WORDS.items():
        if not 0 < words[offset] < size:
            raise corrupt(f"its {name} address {words[offset]} lies outside the file")
    static_base = words[0x0E]
    if static_base < _HEADER_SIZE or not words[0x0A] < static_base or not words[0x0C] < static_base:
        raise corrupt("its object table or globals lie outside dynamic memory")
    declared = int.from_bytes(header[0x1A:0x1C], "big") * _LENGTH_SCALE[version]
    if declared and not static_base < declared <= size:
        raise corrupt(f"its header declares {declared} bytes but the file has {size}")
