"""Does pooling spare the next layer from learning every shift? Count it, then train it.

The question (issue text): "Without pooling between convolutions the next layer receives
different maps for slightly shifted inputs, so it has to learn each shift separately;
with local pooling it sees the same map for many of them. Is this intuition correct?"

Two parts answer it:

* :func:`distinct_map_counts` counts, for each stage of a pipeline, how many different
  maps a set of shifts of one pattern produces (one pipeline run over the stacked shifts).
  :func:`one_pixel_shifts` is the unshifted input plus its 4 one-pixel neighbours;
  :func:`radius_shifts` is every shift within a radius.
* :func:`run_experiment` trains "the next layer" on each pipeline's map just before its
  global pool and tests it on motif positions it never saw, so a student can read the
  answer off accuracies instead of taking it on trust;
  :func:`poolviz.lessons.experiment_verdict.verdict` says in one sentence what those
  numbers show.

The experiment
--------------
Data (:func:`make_dataset`): binary ``grid``×``grid`` images. A positive holds the motif
(default "blob", a 3×3 plus) with its top-left corner at one of ``span``×``span``
positions centred in the grid, plus ``distractors`` random ink pixels elsewhere. A
negative holds no motif but the same number of ink pixels, scattered at random (the
motif's ink count plus the distractors), so counting ink cannot tell the classes apart.

Protocol: training positives use only motif positions with an *even* column; the
held-out test uses only the *odd* columns (every one a one-pixel shift of a training
position); the fresh test draws new images at the training positions. Negatives of every
split are fresh draws from one distribution. Parity is of the absolute column, so an even
column starts on a 2×2 pooling window's boundary.

The next layer (:class:`poolviz.lessons.readout.LogisticReadout`): a logistic readout
on the flattened pre-global-pool map, one weight per
map position (features standardized with the training mean and spread, which is a fixed
per-position rescaling), trained by full-batch gradient descent from zero weights, so a
run is deterministic for a seed. Why this readout: it has to learn every position it
sees separately, which is exactly the situation the question worries about. A
conv + global max readout would be shift-invariant by construction and hide the effect.

What to keep in mind when reading the numbers: max-pooling also changes *what* the maps
say, not only how often they repeat. A compact motif fills fewer pooling windows than the
same ink scattered, so after max-pooling "how many cells are lit" separates the classes
at every position, a cue the readout can use that does not depend on seeing the
position. The distinct-map counts in each :class:`PipelineResult` show how much of the
held-out maps were literally seen in training; the accuracies show the combined effect.

This module stays one piece (about 600 lines, a tenth of them this description): the
configuration, the data set and the run share the integer checks (``_check_int``) and
the position helpers (``_position_grid``, ``_placed``, ``_position_grid_centre``), and
together they are the one protocol above; the readout and the verdict, which need
none of them, are :mod:`poolviz.lessons.readout` and :mod:`poolviz.lessons.experiment_verdict`.

Examples
--------
>>> from poolviz.core.pipeline import with_pooling
>>> x = np.zeros((8, 8)); x[2:5, 2] = 1.0
>>> distinct_map_counts(x, with_pooling(((1.0,),)), one_pixel_shifts())[-2:]
[('conv 2×2 /2', 2), ('global max', 2)]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from poolviz.core import limits
from poolviz.core.checks import PoolvizError, as_shifts, show
from poolviz.core.invariance import count_distinct, neighbour_shifts, sweep_shifts
from poolviz.core.ops import SHIFT_MODES, shift_stack
from poolviz.core.pipeline import POOL_KINDS, Layer, LayerSettings, check_grid, run_pipeline
from poolviz.lessons.comparison import WITH_POOLING, WITHOUT_POOLING, standard_pipelines
from poolviz.lessons.readout import LogisticReadout

__all__ = [
    "MOTIFS",
    "one_pixel_shifts",
    "radius_shifts",
    "distinct_map_counts",
    "ExperimentConfig",
    "Dataset",
    "make_dataset",
    "PipelineResult",
    "ExperimentResult",
    "run_experiment",
]

TRAIN, HELD_OUT, FRESH = 0, 1, 2
SPLIT_NAMES = ("train", "held-out", "fresh")

MOTIFS: dict[str, tuple[tuple[float, ...], ...]] = {
    "blob": ((0.0, 1.0, 0.0), (1.0, 1.0, 1.0), (0.0, 1.0, 0.0)),  # a radius-1 disk: a plus
    "square": ((1.0, 1.0, 1.0), (1.0, 1.0, 1.0), (1.0, 1.0, 1.0)),
    "ell": ((1.0, 0.0, 0.0), (1.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
}
"""Named motifs: small binary arrays (ink is 1.0)."""

_CURVE_POINTS = 50  # learning curves are recorded about this many times
_DECIMALS = 9  # maps are compared rounded to this many decimals, as count_distinct does


# ---------------------------------------------------------------- counting distinct maps


def one_pixel_shifts() -> np.ndarray:
    """The unshifted input and its 4 one-pixel neighbours, as (dy, dx) rows.

    The identity is included so a count of 1 means "every one-pixel shift looks like the
    original" (5 shifts, at most 5 distinct maps).

    >>> one_pixel_shifts().tolist()
    [[0, 0], [0, 1], [0, -1], [1, 0], [-1, 0]]
    """
    return np.concatenate([np.zeros((1, 2), dtype=int), neighbour_shifts(4)])


def radius_shifts(radius: int) -> np.ndarray:
    """Every shift with ``|dy| <= radius`` and ``|dx| <= radius``, row-major, (0, 0) included.

    >>> radius_shifts(1).shape
    (9, 2)
    """
    r = _check_int("radius", radius, 0, limits.MAX_GRID)
    return sweep_shifts("grid", r, r, radius=r)


def distinct_map_counts(
    x: Any, pipeline: tuple[Layer, ...], shifts: Any, mode: str = "zero"
) -> list[tuple[str, int]]:
    """For each stage of ``pipeline``: how many different maps the shifts of ``x`` give.

    One pipeline run over the stack of shifted inputs; maps are compared cell by cell to
    1e-9, as :func:`poolviz.core.invariance.count_distinct` does.

    Parameters
    ----------
    x : array_like, shape (H, W)
        One pattern, 4 <= H, W <= 64.
    pipeline : tuple of layer specs
    shifts : array_like of int, shape (S, 2)
        (dy, dx) rows, S >= 1; see :func:`one_pixel_shifts` and :func:`radius_shifts`.
    mode : {"zero", "wrap"}

    Returns
    -------
    list of (stage label, count), the input first; each count is between 1 and S.

    Examples
    --------
    >>> from poolviz.core.pipeline import without_pooling
    >>> x = np.zeros((8, 8)); x[2:5, 2] = 1.0
    >>> distinct_map_counts(x, without_pooling(((1.0,),)), one_pixel_shifts())[-2:]
    [('conv 2×2 /2', 4), ('global max', 1)]
    """
    x = check_grid(x)
    if x.ndim != 2:
        raise PoolvizError(f"`x` must be a single (H, W) pattern; got shape {x.shape}")
    s = as_shifts(shifts)
    if len(s) == 0:
        raise PoolvizError("`shifts` must hold at least one (dy, dx) row; got none")
    stages = run_pipeline(pipeline, shift_stack(x, s, mode))
    return [(stage.label, count_distinct(stage.maps)) for stage in stages]


# ---------------------------------------------------------------- configuration


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_int(name: str, value: Any, low: int, high: int) -> int:
    if not _is_int(value) or not low <= int(value) <= high:
        raise PoolvizError(
            f"`{name}` must be an integer between {low} and {high}; got {show(value)}"
        )
    return int(value)


def _as_float_grid(value: Any, name: str) -> tuple[tuple[float, ...], ...]:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise PoolvizError(f"`{name}` must be a 2-D grid of numbers; got {value!r}") from None
    if a.ndim != 2 or a.size == 0:
        raise PoolvizError(f"`{name}` must be a non-empty 2-D grid; got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise PoolvizError(f"`{name}` must hold only finite numbers; got NaN or infinity")
    return tuple(tuple(float(v) for v in row) for row in a)


def _motif_array(motif: Any, grid: int) -> tuple[tuple[float, ...], ...]:
    """A named motif or a grid of values in [0, 1]: ink is >= 0.5, cropped to its ink."""
    if isinstance(motif, str):
        if motif not in MOTIFS:
            raise PoolvizError(
                f"`motif` must be one of {', '.join(MOTIFS)} or a 2-D grid; got {motif!r}"
            )
        return MOTIFS[motif]
    a = np.asarray(_as_float_grid(motif, "motif"))
    if a.min() < 0.0 or a.max() > 1.0:
        raise PoolvizError(
            f"`motif` values must be between 0 and 1; got values from {a.min():g} to {a.max():g}"
        )
    ink = a >= 0.5
    if not ink.any():
        raise PoolvizError("`motif` must have some ink (a cell >= 0.5); got none")
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = ink.shape
    if h > grid - 1 or w > grid - 1:
        raise PoolvizError(
            f"`motif` must be at most {grid - 1}×{grid - 1} after cropping to its ink, so it "
            f"has room for two columns of positions on the {grid}×{grid} grid; got {h}×{w}"
        )
    return tuple(tuple(float(v) for v in row) for row in ink)


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that defines one run; invalid values raise :class:`PoolvizError`.

    Attributes
    ----------
    n_samples : training images (half with the motif), 50..5000; the held-out and the
        fresh test sets have ``n_samples // 2`` images each (also half positive).
    grid : image side, 8..32.
    motif : a name in :data:`MOTIFS` or a 2-D grid in [0, 1] (ink is >= 0.5; it is
        cropped to its ink and stored as a tuple of tuples), at most ``grid - 1`` a side.
    distractors : random ink pixels added to every image, 0..20.
    steps : gradient-descent steps, 10..5000.
    learning_rate : step size, in (0, 10].
    seed : for ``np.random.default_rng``, 0..2**31 - 1.
    kernel : the first conv's kernel (the page's filter); default the 1×1 identity.
    pool, pool_size, pool_stride : the local pooling of the "with pooling" pipeline.
    mode : "zero" or "wrap": how the motif is moved to its positions (with "wrap" the
        positions may run off one edge and back in at the other).
    span : motif positions per axis, 2..32, centred; capped at what fits on the grid
        (``grid - motif + 1`` for "zero", ``grid`` for "wrap").
    """

    n_samples: int = 400
    grid: int = 16
    motif: Any = "blob"
    distractors: int = 3
    steps: int = 300
    learning_rate: float = 0.5
    seed: int = 0
    kernel: Any = ((1.0,),)
    pool: str = "max"
    pool_size: int = 2
    pool_stride: int = 2
    mode: str = "zero"
    span: int = 6

    def __post_init__(self) -> None:
        _check_int("n_samples", self.n_samples, 50, 5000)
        grid = _check_int("grid", self.grid, 8, 32)
        _check_int("distractors", self.distractors, 0, 20)
        _check_int("steps", self.steps, 10, 5000)
        lr = self.learning_rate
        if (
            not isinstance(lr, (int, float, np.integer, np.floating))
            or isinstance(lr, (bool, np.bool_))
            or not (np.isfinite(lr) and 0.0 < lr <= 10.0)
        ):
            raise PoolvizError(
                f"`learning_rate` must be a number in (0, 10] (above 0, at most 10); got {show(lr)}"
            )
        _check_int("seed", self.seed, 0, 2**31 - 1)
        if self.pool not in POOL_KINDS:
            raise PoolvizError(
                f"`pool` must be one of {', '.join(POOL_KINDS)}; got {show(self.pool)}"
            )
        _check_int("pool_size", self.pool_size, 1, limits.MAX_POOL)
        _check_int("pool_stride", self.pool_stride, 1, limits.MAX_STRIDE)
        if self.mode not in SHIFT_MODES:
            raise PoolvizError(
                f"`mode` must be one of {', '.join(SHIFT_MODES)}; got {show(self.mode)}"
            )
        _check_int("span", self.span, 2, 32)
        object.__setattr__(self, "kernel", _as_float_grid(self.kernel, "kernel"))
        object.__setattr__(self, "motif", _motif_array(self.motif, grid))
        # Both pipelines must run on this grid (kernel caps, pool sizes, APS divisibility).
        for pipeline in self.pipelines().values():
            run_pipeline(pipeline, np.zeros((1, grid, grid)))

    def layers(self) -> LayerSettings:
        """The layer settings the experiment uses (the rest keep their defaults)."""
        return LayerSettings(
            self.kernel, pool=self.pool, pool_size=self.pool_size, pool_stride=self.pool_stride
        )

    def pipelines(self) -> dict[str, tuple[Layer, ...]]:
        """The two pipelines of the question, "with pooling" first."""
        return standard_pipelines(self.layers())

    def motif_grid(self) -> np.ndarray:
        """The motif as a binary float array."""
        return (np.asarray(self.motif) >= 0.5).astype(np.float64)


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Dataset:
    """Every image of a run, with where the motif is and which split it belongs to.

    Attributes
    ----------
    x : (N, grid, grid) float64 binary images.
    y : (N,) float64, 1.0 where the motif is present.
    positions : (N, 2) int, the motif's top-left (row, col); (-1, -1) for negatives.
    split : (N,) int: 0 train, 1 held-out, 2 fresh (see ``SPLIT_NAMES``).
    train_positions, held_positions : (P, 2) int, every allowed position of each kind
        (even columns for training and the fresh test, odd columns held out).
    motif : the binary motif.
    """

    x: np.ndarray
    y: np.ndarray
    positions: np.ndarray
    split: np.ndarray
    train_positions: np.ndarray
    held_positions: np.ndarray
    motif: np.ndarray

    def part(self, which: int) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of one split."""
        mask = self.split == which
        return self.x[mask], self.y[mask]


def _position_grid(config: ExperimentConfig) -> tuple[np.ndarray, np.ndarray]:
    """All motif positions (row-major), split by column parity: (even, odd)."""
    mh, mw = config.motif_grid().shape
    g = config.grid
    axes = []
    for m in (mh, mw):
        room = g if config.mode == "wrap" else g - m + 1
        n = min(config.span, room)
        start = (g - m + 1 - n) // 2  # centred; may be negative in "wrap" mode
        axes.append((start + np.arange(n)) % g)
    rr, cc = np.meshgrid(axes[0], axes[1], indexing="ij")
    pos = np.stack([rr.ravel(), cc.ravel()], axis=1)
    odd = pos[:, 1] % 2 == 1
    return pos[~odd], pos[odd]


def _placed(config: ExperimentConfig, positions: np.ndarray) -> np.ndarray:
    """The motif alone at each position: (P, grid, grid)."""
    base = np.zeros((config.grid, config.grid))
    m = config.motif_grid()
    base[: m.shape[0], : m.shape[1]] = m
    return shift_stack(base, positions, config.mode)


def _pick_cells(rng: np.random.Generator, blocked: np.ndarray, count: int) -> np.ndarray:
    """Boolean (N, cells) with ``count`` random cells per row, none where ``blocked``."""
    n, cells = blocked.shape
    chosen = np.zeros((n, cells), dtype=bool)
    if count == 0 or n == 0:
        return chosen
    keys = rng.random((n, cells))
    keys[blocked] = np.inf
    idx = np.argpartition(keys, count - 1, axis=1)[:, :count]
    np.put_along_axis(chosen, idx, True, axis=1)
    return chosen


def make_dataset(config: ExperimentConfig) -> Dataset:
    """Draw the train, held-out and fresh images for ``config`` (deterministic for its seed).

    Positives: the motif at a position of the split's kind (train and fresh: even
    columns; held-out: odd columns), plus ``distractors`` ink pixels off the motif.
    Negatives: ``motif ink + distractors`` ink pixels scattered at random, so every image
    of every split has exactly the same amount of ink.
    """
    rng = np.random.default_rng(config.seed)
    g = config.grid
    cells = g * g
    ink = int(config.motif_grid().sum())
    train_pos, held_pos = _position_grid(config)
    n_test = config.n_samples // 2
    xs, ys, ps, ss = [], [], [], []
    for which, n, allowed in (
        (TRAIN, config.n_samples, train_pos),
        (HELD_OUT, n_test, held_pos),
        (FRESH, n_test, train_pos),
    ):
        n_pos = n // 2
        n_neg = n - n_pos
        where = allowed[rng.integers(len(allowed), size=n_pos)]
        pos_img = _placed(config, where).reshape(n_pos, cells) > 0.5
        pos_img |= _pick_cells(rng, pos_img, config.distractors)
        neg_img = _pick_cells(rng, np.zeros((n_neg, cells), dtype=bool), ink + config.distractors)
        xs.append(np.concatenate([pos_img, neg_img]).reshape(n, g, g).astype(np.float64))
        ys.append(np.concatenate([np.ones(n_pos), np.zeros(n_neg)]))
        ps.append(np.concatenate([where, np.full((n_neg, 2), -1)]).astype(int))
        ss.append(np.full(n, which))
    return Dataset(
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        positions=np.concatenate(ps),
        split=np.concatenate(ss),
        train_positions=train_pos,
        held_positions=held_pos,
        motif=config.motif_grid(),
    )


# ---------------------------------------------------------------- the experiment


@dataclass(frozen=True)
class PipelineResult:
    """One pipeline's run: curves, final accuracies and what the readout saw.

    Attributes
    ----------
    name : "with pooling" or "without pooling".
    labels : the pipeline's stage labels; ``feature_label`` the stage the readout reads.
    feature_shape : (h, w) of that map (the readout has h*w weights + a bias).
    curve_steps : steps at which the curves were recorded (0 = before training).
    loss, train_accuracy, held_accuracy, fresh_accuracy : the curves.
    train_maps : distinct clean maps (motif alone, one per training position) to fit.
    held_maps : distinct clean maps over the held-out positions.
    held_seen : held-out positions whose clean map equals some training position's map.
    n_train_positions, n_held_positions : positions of each kind.
    shift_counts : :func:`distinct_map_counts` of the motif alone (centred) over
        :func:`one_pixel_shifts`.
    seconds : time spent on this pipeline (features and training).
    """

    name: str
    labels: tuple[str, ...]
    feature_label: str
    feature_shape: tuple[int, int]
    curve_steps: np.ndarray
    loss: np.ndarray
    train_accuracy: np.ndarray
    held_accuracy: np.ndarray
    fresh_accuracy: np.ndarray
    train_maps: int
    held_maps: int
    held_seen: int
    n_train_positions: int
    n_held_positions: int
    shift_counts: tuple[tuple[str, int], ...]
    seconds: float

    @property
    def final_train(self) -> float:
        return float(self.train_accuracy[-1])

    @property
    def final_held(self) -> float:
        return float(self.held_accuracy[-1])

    @property
    def final_fresh(self) -> float:
        return float(self.fresh_accuracy[-1])

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])


@dataclass(frozen=True)
class ExperimentResult:
    """Both pipelines' results (``runs``, "with pooling" first) and how the run went."""

    config: ExperimentConfig
    runs: dict[str, PipelineResult]
    steps_done: int
    stopped: bool
    seconds: float
    n_test: int

    @property
    def with_pooling(self) -> PipelineResult:
        return self.runs[WITH_POOLING]

    @property
    def without_pooling(self) -> PipelineResult:
        return self.runs[WITHOUT_POOLING]


def _feature_stage(stages: list) -> int:
    """Index of the stage feeding the global pool (the last one)."""
    return len(stages) - 2


def _map_ids(maps: np.ndarray) -> np.ndarray:
    """An id per map, equal for maps equal to 1e-9 (rounded as count_distinct does)."""
    flat = np.round(maps.reshape(len(maps), -1), _DECIMALS) + 0.0
    return np.unique(flat, axis=0, return_inverse=True)[1].ravel()


def run_experiment(
    config: ExperimentConfig | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ExperimentResult:
    """Train the next layer on both pipelines' maps and test it on unseen motif positions.

    Both readouts are stepped in lockstep, so a stop leaves them equally trained. Every
    ``steps // 50`` steps (and at the end) the curves are recorded, ``progress(fraction)``
    is called with the fraction of steps done, and ``should_stop()`` is asked whether to
    end training now (the result then has ``stopped=True`` and fewer ``steps_done``).
    """
    config = ExperimentConfig() if config is None else config
    t0 = time.perf_counter()
    data = make_dataset(config)
    splits = [data.part(k) for k in (TRAIN, HELD_OUT, FRESH)]
    clean = _placed(config, np.concatenate([data.train_positions, data.held_positions]))
    n_train_pos = len(data.train_positions)
    centred = _placed(config, _position_grid_centre(config))[0]

    states = {}
    for name, pipeline in config.pipelines().items():
        t = time.perf_counter()
        feats = []
        for x, _ in splits:
            stages = run_pipeline(pipeline, x)
            feats.append(stages[_feature_stage(stages)].maps)
        clean_stages = run_pipeline(pipeline, clean)
        k = _feature_stage(clean_stages)
        ids = _map_ids(clean_stages[k].maps)
        train_ids, held_ids = ids[:n_train_pos], ids[n_train_pos:]
        readout = LogisticReadout(feats[0], splits[0][1])
        tests = [(readout.standardize(f), y) for f, (_, y) in zip(feats, splits, strict=True)]
        states[name] = dict(
            readout=readout,
            tests=tests,
            labels=tuple(s.label for s in clean_stages),
            feature_label=clean_stages[k].label,
            feature_shape=tuple(int(v) for v in clean_stages[k].maps.shape[-2:]),
            train_maps=int(len(np.unique(train_ids))),
            held_maps=int(len(np.unique(held_ids))),
            held_seen=int(np.isin(held_ids, train_ids).sum()),
            shift_counts=tuple(
                distinct_map_counts(centred, pipeline, one_pixel_shifts(), config.mode)
            ),
            curve=([], [], [], [], []),
            seconds=time.perf_counter() - t,
        )

    def record(step: int) -> None:
        for state in states.values():
            t = time.perf_counter()
            readout = state["readout"]
            curve = state["curve"]
            curve[0].append(step)
            curve[1].append(readout.loss())
            for i, (z, y) in enumerate(state["tests"]):
                curve[2 + i].append(readout.accuracy(z, y))
            state["seconds"] += time.perf_counter() - t

    every = max(1, config.steps // _CURVE_POINTS)
    record(0)
    steps_done, stopped = 0, False
    while steps_done < config.steps:
        for state in states.values():
            t = time.perf_counter()
            state["readout"].step(config.learning_rate)
            state["seconds"] += time.perf_counter() - t
        steps_done += 1
        if steps_done % every == 0 or steps_done == config.steps:
            record(steps_done)
            if progress is not None:
                progress(steps_done / config.steps)
            if steps_done < config.steps and should_stop is not None and should_stop():
                stopped = True
                break

    runs = {}
    for name, s in states.items():
        c = s["curve"]
        runs[name] = PipelineResult(
            name=name,
            labels=s["labels"],
            feature_label=s["feature_label"],
            feature_shape=s["feature_shape"],
            curve_steps=np.array(c[0], dtype=int),
            loss=np.array(c[1]),
            train_accuracy=np.array(c[2]),
            held_accuracy=np.array(c[3]),
            fresh_accuracy=np.array(c[4]),
            train_maps=s["train_maps"],
            held_maps=s["held_maps"],
            held_seen=s["held_seen"],
            n_train_positions=n_train_pos,
            n_held_positions=len(data.held_positions),
            shift_counts=s["shift_counts"],
            seconds=s["seconds"],
        )
    return ExperimentResult(
        config=config,
        runs=runs,
        steps_done=steps_done,
        stopped=stopped,
        seconds=time.perf_counter() - t0,
        n_test=config.n_samples // 2,
    )


def _position_grid_centre(config: ExperimentConfig) -> np.ndarray:
    """The training position nearest the grid centre, as a (1, 2) array."""
    train_pos, _ = _position_grid(config)
    m = config.motif_grid().shape
    centre = (np.array([config.grid, config.grid]) - np.array(m)) / 2
    best = np.argmin(np.abs(train_pos - centre).sum(axis=1))
    return train_pos[best : best + 1]
