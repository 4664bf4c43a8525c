"""The command line: ``python -m poolviz export [QUERY] --format png|svg|html|json|csv [-o FILE]``
(``--figure PIPELINE:STAGE:WHICH`` for one map alone, as png or svg),
and ``python -m poolviz lab data|weights|predict|evaluate ...`` (:mod:`poolviz.lab.cli`).

``QUERY`` is the query string of a page link (``dx=2&pool=avg``), with or without the
leading ``?``, or the whole link. The export is what the page's download buttons give for
that link, byte for byte (:func:`poolviz.view.downloads.download`): the 1920×1080 slide as
PNG or SVG, the offline explorer page as HTML, the maps as JSON or CSV. A malformed parameter
prints the page's warning to stderr and falls back to its default, as the page does;
arguments that cannot be used end the command with status 2 and a one-line reason.

>>> main(["export", "dx=2", "--format", "csv", "-o", "/dev/null"])
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from poolviz.core.checks import PoolvizError
from poolviz.view import state as view_state
from poolviz.view.downloads import EXPORTS, FIGURE_FORMATS, FigureKey, download, figure_download

__all__ = ["main", "parse_query", "parse_figure"]

MAX_QUERY_CHARS = 100_000  # a link the page could open is far shorter; refuse floods early


class UsageError(Exception):
    """Arguments that cannot be used: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage over several lines
        raise UsageError(message)


def parse_query(text: str) -> dict[str, list[str]]:
    """A link, or its query string, as the page reads it: every value of every key.

    >>> parse_query("?dx=2&pool=avg")
    {'dx': ['2'], 'pool': ['avg']}
    >>> parse_query("http://localhost:8501/?dy=1&dy=2")
    {'dy': ['1', '2']}
    >>> parse_query("")
    {}
    """
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(f"QUERY has {len(text):,} characters; at most {MAX_QUERY_CHARS:,}")
    if "://" in text:
        text = urlsplit(text).query
    return parse_qs(text.lstrip("?"), keep_blank_values=True)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m poolviz",
        description="poolviz without a browser: export exactly what a page link shows.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser(
        "lab", help="the digits lab: data, weights, predict, evaluate (see: lab --help)",
        add_help=False,
    )
    export = commands.add_parser(
        "export",
        help="write a link's view as a slide (PNG, SVG), an offline page (HTML), JSON or CSV",
        description=(
            "Write the view that the page link ?QUERY opens, exactly as its download buttons "
            "give it. Invalid parameters are reported on stderr and fall back to their "
            "defaults, as on the page. Example: python -m poolviz export 'dx=2&pool=avg' "
            "--format json -o view.json"
        ),
    )
    export.add_argument(
        "query", nargs="?", default="", help="the link or its query string (default: the default view)"
    )
    export.add_argument(
        "--format", "-f", choices=list(EXPORTS), default="json",
        help="png/svg: the 1920×1080 slide; html: the explorer, offline; json/csv: the maps",
    )
    export.add_argument(
        "--figure",
        metavar="PIPELINE:STAGE:WHICH",
        help="one map alone, as png or svg: a pipeline's title (or 'input'), the stage's "
        "index (0 is the input) and original or shifted, e.g. 'max-pool:2:shifted'",
    )
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    return parser


def parse_figure(text: str) -> FigureKey:
    """``PIPELINE:STAGE:WHICH`` as a figure key (the pipeline's title may hold colons).

    >>> parse_figure("max-pool:2:shifted")
    FigureKey(pipeline='max-pool', stage=2, which='shifted')
    """
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        raise UsageError(f"--figure must be PIPELINE:STAGE:WHICH (e.g. max-pool:2:shifted); got {text!r}")
    return FigureKey(parts[0], int(parts[1]), parts[2])


def _export(args: argparse.Namespace) -> int:
    figure = None if args.figure is None else parse_figure(args.figure)
    if figure is not None and args.format not in FIGURE_FORMATS:
        raise UsageError(f"--figure needs --format {' or '.join(FIGURE_FORMATS)}; got {args.format}")
    decoded = view_state.decode(parse_query(args.query))
    for rejection in decoded.rejections:
        print(f"warning: {rejection.message()}", file=sys.stderr)
    if figure is None:
        data = download(decoded.state, args.format)
    else:
        try:
            data = figure_download(decoded.state, figure, args.format)
        except PoolvizError as error:
            raise UsageError(str(error)) from None
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        with open(args.output, "wb") as out:
            out.write(data)
    except OSError as error:
        raise UsageError(f"cannot write {args.output!r}: {error.strerror or error}") from None
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 for unusable arguments)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["lab"]:  # the digits lab's own commands (poolviz.lab.cli)
        from poolviz.lab.cli import main as lab_main

        return lab_main(argv[1:])
    try:
        args = _parser().parse_args(argv)
        return _export(args)
    except UsageError as error:
        print(f"poolviz: error: {error}", file=sys.stderr)
        return 2
