"""The URL query-string form of a :class:`~poolviz.view.model.ViewState`.

A shared link must reopen exactly the same view, so every field of the view
travels in the query string, one parameter per field (the table ``_PARAMS``):

* :func:`encode` writes only the parameters that differ from :data:`DEFAULT`,
  in one canonical spelling (the first paint has an empty query string);
* :func:`decode` reads hostile input: every parameter is judged on its own, a
  bad one falls back to its default and yields a :class:`Rejection`, the others
  are kept.  It never raises and never allocates in proportion to its input
  (values longer than :data:`MAX_VALUE_CHARS` are refused before parsing, and
  a pattern's data must have exactly the length its declared size implies;
  only the first :data:`MAX_UNKNOWN_REPORTED` unknown keys get a rejection of
  their own, the rest are summed up in one).

Each value's text format (numbers, the packed pattern, the kernel) is
:mod:`poolviz.view.formats`; this module imports the model and the formats, and
:mod:`poolviz.view.state` re-exports it next to the model, so there is no
import cycle.

Rejection messages are shown to users.  The user's part (a value, or the key
of an unknown parameter) is cut to its first :data:`SHOWN_CHARS` characters,
rendered with ``repr()`` (so control characters appear as escapes) and then
every character that markdown or HTML would act on (`````, ``*``, ``_``,
``<``, ``>``, ``[``, ``]``, ...) is replaced by its ``\\xNN`` escape, in the same
style as ``repr``.  The message is thus inert as markdown and as HTML while
still telling the user what they sent.

>>> encode(DEFAULT)
{}
>>> s = replace(DEFAULT, dx=-2, relu=True, kernel=((1.0, 0.0, -1.0),))
>>> encode(s)
{'dx': '-2', 'k': '1,0,-1', 'relu': '1'}
>>> decode(encode(s)).state == s
True
>>> print(decode({"dx": "99", "mode": "wrap"}).rejections[0].message())
`dx`: must be an integer from -8 to 8; got '99' — using the default 1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import SWEEP_AXES
from poolviz.core.limits import MAX_PADDING, MAX_POOL, MAX_STRIDE
from poolviz.core.ops import BLUR_TAPS, SHIFT_MODES
from poolviz.core.pipeline import POOL_KINDS
from poolviz.core.text import SHOWN_CHARS, quote_user_text, show_user_text
from poolviz.lessons.lesson import STEPS
from poolviz.lessons.pipelines import PIPELINES
from poolviz.view import choices
from poolviz.view.formats import (
    _count,
    _fmt_decimal,
    _format_kernel,
    _format_pattern,
    _has_decimals,
    _Invalid,
    _is_int,
    _is_number,
    _kernel_problem,
    _parse_decimal,
    _parse_int,
    _parse_kernel,
    _parse_pattern,
    _pattern_problem,
)
from poolviz.view.model import DEFAULT, ViewState

# The allowed values, from the one place each is defined (see poolviz.view.choices).
TABS = tuple(choices.TABS)
MOTIF_CHOICES = tuple(choices.MOTIF_TITLES)
MODES = SHIFT_MODES
POOLS = POOL_KINDS
SWEEPS = SWEEP_AXES
MAX_SEED = 2**31 - 1
MAX_VALUE_CHARS = 3000  # longer values are refused before any parsing
MAX_QUERY_CHARS = 2000  # every encoded state's query string stays below this
THRESHOLD_DECIMALS = 2
RATE_DECIMALS = 3  # the experiment's learning rate
# Parameters older links carry for settings that no longer exist, read silently: the view
# they open is the same. ``scrub=1`` turned on the instant mode, which is how Explore works.
RETIRED_KEYS = frozenset({"scrub"})
MAX_UNKNOWN_REPORTED = 5  # further unknown keys are summed up in one rejection

_MORE_KEY = "…"  # key of the rejection summing up unreported unknown keys


# --------------------------------------------------------------------------- rejections


@dataclass(frozen=True)
class Rejection:
    """One URL parameter that was not used, and why.

    ``key`` and ``value`` are the raw strings from the URL (for an unknown key
    the value is dropped: ``""``); ``reason`` is our own text.  Show users
    :meth:`message`, which renders the user's part inertly.
    """

    key: str
    value: str
    reason: str

    @property
    def shown_key(self) -> str:
        r"""The key as the page may list it: known keys as they are, others quoted with
        :func:`repr` and cut to 40 characters, so a blank, padded, long or multi-line key
        stays visible and on one line (the page still escapes it for Markdown).

        >>> [Rejection(k, "", "unknown parameter").shown_key for k in ("dx", "dx ", "", "a\nb")]
        ['dx', "'dx '", "''", "'a\\nb'"]
        """
        if self.key in _BY_KEY or (self.key == _MORE_KEY and not self.value):
            return self.key
        return quote_user_text(self.key)

    def message(self) -> str:
        """A one-line explanation for the page; markdown- and HTML-inert.

        >>> print(Rejection("seed", "-1", "must be an integer from 0 to 2147483647").message())
        `seed`: must be an integer from 0 to 2147483647; got '-1' — using the default 0
        >>> print(Rejection("<x>", "", "unknown parameter").message())
        '\\x3cx\\x3e': unknown parameter — ignored
        """
        param = _BY_KEY.get(self.key)
        if param is None:
            if self.key == _MORE_KEY and not self.value:
                return f"{self.reason} — ignored"
            return f"{show_user_text(self.key)}: {self.reason} — ignored"
        fallback = f"using the default {param.default_text}"
        return f"`{param.key}`: {self.reason}; got {show_user_text(self.value)} — {fallback}"


@dataclass(frozen=True)
class Decoded:
    """What :func:`decode` returns: a valid state and the parameters it refused."""

    state: ViewState
    rejections: tuple[Rejection, ...] = ()

    def messages(self) -> list[str]:
        """The :meth:`Rejection.message` of every rejection, in order."""
        return [r.message() for r in self.rejections]


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class _Param:
    """How one field travels in the URL.

    ``parse(text, ctx)`` returns the value or raises :class:`_Invalid`;
    ``problem(value, ctx)`` returns a reason or ``None`` for a value already
    in a state; ``ctx`` is the state being built (its pattern is final).
    """

    name: str
    key: str
    parse: Callable[[str, ViewState], Any]
    problem: Callable[[Any, ViewState], str | None]
    fmt: Callable[[Any], str]
    default_text: str


def _int_param(name: str, key: str, bounds: Callable[[ViewState], tuple[int, int]]) -> _Param:
    def parse(text: str, ctx: ViewState) -> int:
        return _parse_int(text, *bounds(ctx))

    def problem(value: Any, ctx: ViewState) -> str | None:
        low, high = bounds(ctx)
        if _is_int(value) and low <= value <= high:
            return None
        return f"must be an integer from {low} to {high}"

    return _Param(name, key, parse, problem, str, str(getattr(DEFAULT, name)))


def _fixed(low: int, high: int) -> Callable[[ViewState], tuple[int, int]]:
    return lambda ctx: (low, high)


def _choice_param(name: str, key: str, choices: tuple[str, ...]) -> _Param:
    reason = "must be one of " + ", ".join(repr(c) for c in choices)

    def parse(text: str, ctx: ViewState) -> str:
        if text not in choices:
            raise _Invalid(reason)
        return text

    def problem(value: Any, ctx: ViewState) -> str | None:
        return None if isinstance(value, str) and value in choices else reason

    return _Param(name, key, parse, problem, str, repr(getattr(DEFAULT, name)))


def _pair_param(name: str, key: str, choices: tuple[str, ...]) -> _Param:
    """Two different choices, comma-separated: ``pool,nopool``."""
    reason = "must be two different pipelines of " + ", ".join(repr(c) for c in choices) + (
        " joined by a comma"
    )

    def ok(value: Any) -> bool:
        return (
            isinstance(value, tuple)
            and len(value) == 2
            and all(isinstance(v, str) and v in choices for v in value)
            and value[0] != value[1]
        )

    def parse(text: str, ctx: ViewState) -> tuple[str, str]:
        value = tuple(text.split(","))
        if not ok(value):
            raise _Invalid(reason)
        return value

    def problem(value: Any, ctx: ViewState) -> str | None:
        return None if ok(value) else reason

    default = getattr(DEFAULT, name)
    return _Param(name, key, parse, problem, ",".join, repr(",".join(default)))


def _bool_param(name: str, key: str) -> _Param:
    reason = "must be 1 (on) or 0 (off)"

    def parse(text: str, ctx: ViewState) -> bool:
        if text not in ("0", "1"):
            raise _Invalid(reason)
        return text == "1"

    def problem(value: Any, ctx: ViewState) -> str | None:
        return None if isinstance(value, bool) else reason

    default = getattr(DEFAULT, name)
    return _Param(
        name, key, parse, problem, lambda v: "1" if v else "0", "1 (on)" if default else "0 (off)"
    )


def _decimal_param(name: str, key: str, low: float, high: float, decimals: int) -> _Param:
    """A decimal in ``(low, high]`` (``low`` excluded) with at most ``decimals`` decimals."""
    reason = (
        f"must be a decimal above {low:g} and at most {high:g}, with at most {decimals} decimals"
    )

    def parse(text: str, ctx: ViewState) -> float:
        try:
            value = _parse_decimal(text, decimals)
        except _Invalid:
            raise _Invalid(reason) from None
        if not low < value <= high:
            raise _Invalid(reason)
        return value

    def problem(value: Any, ctx: ViewState) -> str | None:
        ok = _is_number(value) and low < value <= high and _has_decimals(value, decimals)
        return None if ok else reason

    return _Param(
        name, key, parse, problem, lambda v: _fmt_decimal(v, decimals), str(getattr(DEFAULT, name))
    )


def _threshold_param() -> _Param:
    reason = f"must be a decimal from 0 to 1 with at most {THRESHOLD_DECIMALS} decimals"

    def parse(text: str, ctx: ViewState) -> float:
        try:
            value = _parse_decimal(text, THRESHOLD_DECIMALS)
        except _Invalid:
            raise _Invalid(reason) from None
        if not 0.0 <= value <= 1.0:
            raise _Invalid(reason)
        return value

    def problem(value: Any, ctx: ViewState) -> str | None:
        ok = _is_number(value) and 0 <= value <= 1 and _has_decimals(value, THRESHOLD_DECIMALS)
        return None if ok else reason

    return _Param(
        "threshold",
        "th",
        parse,
        problem,
        lambda v: _fmt_decimal(v, THRESHOLD_DECIMALS),
        str(DEFAULT.threshold),
    )


def _plain(
    name: str,
    key: str,
    parse: Callable[[str], Any],
    problem: Callable[[Any], str | None],
    fmt: Callable[[Any], str],
    default_text: str,
) -> _Param:
    """A field whose text format (from :mod:`poolviz.view.formats`) ignores the state being built."""
    return _Param(
        name,
        key,
        lambda text, ctx: parse(text),
        lambda value, ctx: problem(value),
        fmt,
        default_text,
    )


# ----------------------------------------------------------------- the table

# ``p`` comes first: dx and dy are judged against the decoded pattern's size.
_PARAMS: tuple[_Param, ...] = (
    _plain("pattern", "p", _parse_pattern, _pattern_problem, _format_pattern, "8x8 book pattern"),
    _choice_param("tab", "tab", TABS),
    _int_param("step", "step", _fixed(0, len(STEPS))),
    _bool_param("present", "present"),
    _pair_param("pipelines", "pipes", tuple(PIPELINES)),
    _int_param("dx", "dx", lambda ctx: (-ctx.width, ctx.width)),
    _int_param("dy", "dy", lambda ctx: (-ctx.height, ctx.height)),
    _choice_param("mode", "mode", MODES),
    _plain("kernel", "k", _parse_kernel, _kernel_problem, _format_kernel, "1x1 identity kernel"),
    _int_param("conv_stride", "cs", _fixed(1, MAX_STRIDE)),
    _int_param("conv_padding", "cp", _fixed(0, MAX_PADDING)),
    _bool_param("relu", "relu"),
    _choice_param("pool", "pool", POOLS),
    _int_param("pool_size", "ps", _fixed(1, MAX_POOL)),
    _int_param("pool_stride", "pst", _fixed(1, MAX_POOL)),
    _int_param("blur_taps", "bt", _fixed(min(BLUR_TAPS), max(BLUR_TAPS))),
    _int_param("next_stride", "ns", _fixed(1, MAX_STRIDE)),
    _int_param("next_padding", "np", _fixed(0, MAX_PADDING)),
    _bool_param("show_values", "vals"),
    _choice_param("sweep", "sweep", SWEEPS),
    _int_param("seed", "seed", _fixed(0, MAX_SEED)),
    _threshold_param(),
    _int_param("ex_samples", "en", _fixed(50, 5000)),
    _choice_param("ex_motif", "em", MOTIF_CHOICES),
    _int_param("ex_distractors", "ed", _fixed(0, 20)),
    _int_param("ex_grid", "eg", _fixed(8, 32)),
    _int_param("ex_steps", "es", _fixed(10, 5000)),
    _decimal_param("ex_rate", "elr", 0.0, 10.0, RATE_DECIMALS),
    _int_param("ex_seed", "eseed", _fixed(0, MAX_SEED)),
)
_BY_KEY = {param.key: param for param in _PARAMS}
PARAM_KEYS: tuple[str, ...] = tuple(param.key for param in _PARAMS)
"""Every URL parameter the page reads and writes, ``p`` first."""
assert {p.name for p in _PARAMS} == {f.name for f in fields(ViewState)}, (
    "every field needs a URL key"
)


# --------------------------------------------------------------------------- public functions


def validate(state: ViewState) -> list[Rejection]:
    """List every field of ``state`` that a link could not carry; ``[]`` if valid.

    Each :class:`Rejection` has the field's URL key, ``str`` of the value and
    the reason.  The pattern is checked first; ``dx``/``dy`` are judged
    against its size (or the default size if the pattern itself is invalid).

    >>> validate(DEFAULT)
    []
    >>> [r.key for r in validate(replace(DEFAULT, dx=9, pool="MAX"))]
    ['dx', 'pool']
    """
    problems = []
    ctx = DEFAULT
    for param in _PARAMS:
        value = getattr(state, param.name)
        reason = param.problem(value, ctx)
        if reason is not None:
            problems.append(Rejection(param.key, str(value), reason))
        elif param.name == "pattern":
            ctx = replace(ctx, pattern=value)
    return problems


def encode(state: ViewState) -> dict[str, str]:
    """The canonical query parameters of ``state``: only those differing from the default.

    Raises :class:`PoolvizError` if ``state`` is invalid (see :func:`validate`),
    so a link that would not reopen the same view is never produced.

    >>> encode(replace(DEFAULT, threshold=0.35, show_values=False, tab="book"))
    {'tab': 'book', 'vals': '0', 'th': '0.35'}
    """
    problems = validate(state)
    if problems:
        raise PoolvizError(
            "`state` cannot be put in a link: "
            + "; ".join(f"{r.key} {r.reason}" for r in problems)
            + f"; got {show_user_text(str(state))}"
        )
    out = {}
    for param in _PARAMS:
        value = getattr(state, param.name)
        if value != getattr(DEFAULT, param.name):
            out[param.key] = param.fmt(value)
    return out


def query_string(state: ViewState) -> str:
    """``encode(state)`` as a URL query string (keys sorted, no leading ``?``).

    >>> query_string(replace(DEFAULT, kernel=((1.0, -1.0),), dx=2))
    'dx=2&k=1%2C-1'
    >>> query_string(DEFAULT)
    ''
    """
    return urlencode(sorted(encode(state).items()))


def _single(raw: Any) -> tuple[str, str | None]:
    """Reduce one raw parameter to ``(text, reason)``; ``reason`` is None when usable."""
    if isinstance(raw, (list, tuple)):
        if len(raw) != 1:
            first = raw[0] if raw and isinstance(raw[0], str) else ""
            if not raw:
                return "", "is empty"
            return first, f"given {len(raw)} times, but may appear only once"
        raw = raw[0]
    if not isinstance(raw, str):
        return "", f"must be text, not {type(raw).__name__}"
    if len(raw) > MAX_VALUE_CHARS:
        return raw, f"is {len(raw):,} characters long; at most {MAX_VALUE_CHARS:,} are allowed"
    if not raw:
        return raw, "is empty"
    return raw, None


def decode(params: Mapping[str, Any]) -> Decoded:
    """Read a view from query parameters; never raises.

    ``params`` maps each key to a string or a list of strings (as from
    ``{k: st.query_params.get_all(k) for k in st.query_params}``).  Every
    parameter is judged on its own: a bad one falls back to its default and
    is reported; unknown keys are reported (at most
    :data:`MAX_UNKNOWN_REPORTED` individually) and ignored.

    >>> d = decode({"dx": ["2"], "pool": "MAX", "zoom": "3"})
    >>> d.state.dx, d.state.pool
    (2, 'max')
    >>> [r.message() for r in d.rejections]  # doctest: +NORMALIZE_WHITESPACE
    ["`pool`: must be one of 'max', 'avg', 'blur', 'aps'; got 'MAX' — using the default 'max'",
     "'zoom': unknown parameter — ignored"]
    >>> decode({"scrub": "1", "dx": "2"}).rejections  # a retired key: no warning
    ()
    """
    texts: dict[str, str] = {}
    early: dict[str, Rejection] = {}
    unknown: list[Rejection] = []
    n_unknown = 0
    for key, raw in params.items():
        if key in RETIRED_KEYS:  # an old link's setting that is now how the page works
            continue
        if not isinstance(key, str) or key not in _BY_KEY:
            n_unknown += 1
            if n_unknown <= MAX_UNKNOWN_REPORTED:
                unknown.append(
                    Rejection(
                        key if isinstance(key, str) else repr(key)[:SHOWN_CHARS],
                        "",
                        "unknown parameter",
                    )
                )
            continue
        text, reason = _single(raw)
        if reason is None:
            texts[key] = text
        else:
            early[key] = Rejection(key, text, reason)
    if n_unknown > MAX_UNKNOWN_REPORTED:
        more = n_unknown - MAX_UNKNOWN_REPORTED
        unknown.append(Rejection(_MORE_KEY, "", _count(more, "more unknown parameter")))

    state = DEFAULT
    rejections: list[Rejection] = []
    for param in _PARAMS:
        if param.key in early:
            rejections.append(early[param.key])
        elif param.key in texts:
            try:
                value = param.parse(texts[param.key], state)
            except _Invalid as exc:
                rejections.append(Rejection(param.key, texts[param.key], exc.args[0]))
            else:
                state = replace(state, **{param.name: value})
    return Decoded(state, tuple(rejections + unknown))
