"""Command line of the Digits lab: ``python -m poolviz lab {data,weights,predict,evaluate}``.

Bad input (unknown arch, wrong shape or dtype, NaN, missing file) prints one line on
stderr and exits with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path
from typing import NoReturn

import numpy as np

from poolviz.lab import nets
from poolviz.lab.data import check_images, load_digits
from poolviz.lab.measures import evaluate
from poolviz.lab.weights import load_weights

__all__ = ["main", "PROG"]

PROG = "python -m poolviz lab"


class _UsageError(Exception):
    """argparse's complaint, turned into an exception so main() can return 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line instead of argparse's usage block + message.
        raise _UsageError(f"{self.prog}: error: {message.splitlines()[0]}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Six small CNNs on handwritten digits, in numpy.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    d = sub.add_parser("data", help="write the train/test digits (float64 16x16) to an npz")
    d.add_argument("--out", required=True, type=Path)
    w = sub.add_parser("weights", help="write a net's shipped weights as a PyTorch state_dict")
    w.add_argument("--arch", required=True)
    w.add_argument("--padding", default="zero")
    w.add_argument("--out", required=True, type=Path)
    pr = sub.add_parser("predict", help="logits (N, 10) for the array `x` of an npz")
    pr.add_argument("--arch", required=True)
    pr.add_argument("--input", required=True, type=Path)
    pr.add_argument("--out", required=True, type=Path)
    pr.add_argument("--padding", default="zero")
    e = sub.add_parser("evaluate", help="every measure of one net on the test set")
    e.add_argument("--arch", required=True)
    e.add_argument("--padding", default="zero")
    e.add_argument("--json", action="store_true", help="print JSON on stdout")
    e.add_argument("--n-test", type=int, default=None, help="only the first N test digits")
    return p


def _read_x(path: Path) -> np.ndarray:
    if not path.is_file():
        raise ValueError(f"`--input` must be an existing .npz file; got {str(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as f:
            if not hasattr(f, "files") or "x" not in f.files:
                raise ValueError(f"`--input` must be an .npz holding an array `x`; got {path}")
            x = f["x"]
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"`--input` must be a readable .npz file; got {path} ({err})") from None
    if x.dtype == np.bool_ or not (
        np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)
    ):
        raise ValueError(f"`x` must be float or int; got dtype {x.dtype}")
    if x.ndim != 3 or x.shape[1:] != (16, 16):
        raise ValueError(f"`x` must have shape (N, 16, 16); got shape {x.shape}")
    return check_images(x)


def _write(path: Path, **arrays: np.ndarray) -> None:
    if not path.parent.is_dir():
        raise ValueError(f"`--out` must be in an existing folder; got {str(path)!r}")
    with open(path, "wb") as f:  # an open file keeps np.savez from appending ".npz"
        np.savez(f, **arrays)


def _run(args: argparse.Namespace) -> int:
    if args.command == "data":
        d = load_digits()
        _write(args.out, x_train=d.x_train, y_train=d.y_train, x_test=d.x_test, y_test=d.y_test)
        return 0
    arch = nets.check_arch(args.arch)
    padding = nets.check_padding(args.padding)
    params = load_weights(arch, padding)
    if args.command == "weights":
        _write(args.out, **params)
    elif args.command == "predict":
        x = _read_x(args.input)
        _write(args.out, logits=nets.forward(params, x, arch, padding))
    else:
        m = evaluate(params, arch, padding, n_test=args.n_test)
        if args.json:
            print(json.dumps(m))
        else:
            for k, v in m.items():
                if not isinstance(v, list):
                    print(f"{k:22s} {v}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status (0, or 2 for bad input).

    Examples
    --------
    >>> main(["predict", "--arch", "lenet", "--input", "x.npz", "--out", "y.npz"])
    2
    """
    try:
        args = _parser().parse_args(argv)
    except _UsageError as err:
        print(err, file=sys.stderr)
        return 2
    except SystemExit as err:  # --help
        return int(err.code or 0)
    try:
        return _run(args)
    except (ValueError, OSError, KeyError) as err:
        print(f"{PROG} {args.command}: error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
