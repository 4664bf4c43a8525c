"""The generated PyTorch script: it compiles, and (with torch) reproduces compare() exactly."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import require_torch

from poolviz.core.checks import PoolvizError
from poolviz.core.patterns import make_preset
from poolviz.lessons.comparison import WITH_POOLING, WITHOUT_POOLING, compare, standard_pipelines
from poolviz.render.torch_code import number_literal, pattern_literal, torch_snippet

KINDS = ("max", "avg", "blur", "aps")


def _random_view(rng, kind):
    h, w = (int(v) for v in rng.integers(4, 13, size=2))
    if rng.random() < 0.7:
        pattern = (rng.random((h, w)) < 0.4).astype(float)
    else:
        pattern = np.round(rng.random((h, w)), 1)
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    if rng.random() < 0.5:
        kernel = rng.integers(-2, 3, size=(kh, kw)).astype(float)
    else:
        kernel = np.round(rng.normal(size=(kh, kw)), 3)
    pool_size = int(rng.integers(1, 4))
    return dict(
        pattern=pattern,
        kernel=kernel.tolist(),
        conv_stride=int(rng.integers(1, 3)),
        conv_padding=int(rng.integers(0, 2)),
        use_relu=bool(rng.random() < 0.5),
        pool=kind,
        pool_size=pool_size,
        pool_stride=int(rng.integers(1, 4)),
        next_stride=int(rng.integers(1, 3)),
        next_padding=int(rng.integers(0, 2)),
        dx=int(rng.integers(-3, 4)),
        dy=int(rng.integers(-3, 4)),
        mode=str(rng.choice(["zero", "wrap"])),
    )


def _runs(view):
    v = dict(view)
    x, dx, dy, mode = v.pop("pattern"), v.pop("dx"), v.pop("dy"), v.pop("mode")
    return compare(x, standard_pipelines(**v), dx=dx, dy=dy, mode=mode)


def _valid_views(kind, count, seed):
    """The first ``count`` random views of this pool kind on which both pipelines run."""
    rng = np.random.default_rng(seed)
    views = []
    while len(views) < count:
        view = _random_view(rng, kind)
        if all(run.ok for run in _runs(view).values()):
            views.append(view)
    return views


VIEWS = [(kind, view) for i, kind in enumerate(KINDS) for view in _valid_views(kind, 8, 10 + i)]
# The 4-tap blur ([1, 3, 3, 1], antialiased-cnns' default): the same views with blur_taps=4
BLUR4_VIEWS = [
    dict(view, blur_taps=4)
    for view in _valid_views("blur", 30, 99)
    if all(run.ok for run in _runs(dict(view, blur_taps=4)).values())
][:8]


# ---------------------------------------------------------------- without torch


def test_default_view_compiles_and_is_short():
    x = make_preset("book")
    src = torch_snippet(x, [[1.0]], dx=1)
    compile(src, "snippet", "exec")
    assert pattern_literal(x) in src
    assert len(src.splitlines()) < 60
    imports = [line for line in src.splitlines() if re.match(r"\s*(import|from)\s", line)]
    assert imports == ["import torch", "import torch.nn.functional as F"]
    assert "dtype=torch.float64" in src and "maps = {}" in src


@pytest.mark.parametrize("kind, view", VIEWS[::3])
def test_every_view_compiles(kind, view):
    src = torch_snippet(**view)
    compile(src, "snippet", "exec")
    assert pattern_literal(view["pattern"]) in src
    assert not src.startswith("# Note")
    if kind == "blur":
        assert 'mode="reflect"' in src and "F.max_pool2d(t, 2, stride=1)" in src
    if kind == "aps":
        assert 'mode="circular"' in src and "torch.nonzero" in src
    if kind == "avg":
        assert "count_include_pad=True" in src
    if view["mode"] == "wrap" and (view["dx"] or view["dy"]):
        assert "torch.roll" in src


def test_literals_round_trip():
    x = np.array([[0.1 + 0.2, -3.0, 1e-7, 0.0]] * 4)
    lit = pattern_literal(x)
    assert np.array_equal(np.array(eval(lit)), x)
    assert number_literal(2.0) == "2" and number_literal(-0.5) == "-0.5"


def test_note_when_a_pipeline_cannot_run():
    src = torch_snippet(np.zeros((4, 4)), [[1.0] * 3] * 3, pool="max", next_stride=2)
    assert src.startswith("# Note: 'with pooling' cannot run here")
    compile(src, "snippet", "exec")


def test_argument_errors():
    with pytest.raises(PoolvizError, match="`mode`"):
        torch_snippet(np.zeros((4, 4)), [[1.0]], mode="reflect")
    with pytest.raises(PoolvizError, match="`dx` must be an int"):
        torch_snippet(np.zeros((4, 4)), [[1.0]], dx=0.5)
    with pytest.raises(PoolvizError, match="single"):
        torch_snippet(np.zeros((2, 4, 4)), [[1.0]])


# ---------------------------------------------------------------- with torch


def _exec_snippet(src):
    torch = require_torch()  # skips without torch; fails under POOLVIZ_REQUIRE_TORCH=1
    namespace: dict = {}
    with torch.no_grad():
        exec(compile(src, "snippet", "exec"), namespace)
    return namespace


def _run_snippet(src):
    return _exec_snippet(src)["maps"]


def _check_same(maps, runs):
    for name in (WITH_POOLING, WITHOUT_POOLING):
        run = runs[name]
        for which, stages in (("original", run.original), ("shifted", run.shifted)):
            for stage, expected in enumerate(stages):
                got = maps[name, which, stage].numpy()
                assert got.shape == expected.shape, (name, which, stage)
                np.testing.assert_allclose(
                    got, expected, rtol=1e-12, atol=1e-12, err_msg=f"{name} {which} {stage}"
                )
            assert (name, which, len(stages)) not in maps


@pytest.mark.parametrize("kind, view", VIEWS)
def test_snippet_matches_compare(kind, view, capsys):
    maps = _run_snippet(torch_snippet(**view))
    _check_same(maps, _runs(view))
    assert "| global max:" in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["zero", "wrap"])
@pytest.mark.parametrize("shift", [(0, 0), (8, 0), (-9, 3), (2, -11)])
def test_snippet_large_shifts(mode, shift):
    x = make_preset("book")
    dx, dy = shift
    maps = _run_snippet(torch_snippet(x, [[1.0, -1.0]], dx=dx, dy=dy, mode=mode))
    runs = compare(x, standard_pipelines([[1.0, -1.0]]), dx=dx, dy=dy, mode=mode)
    _check_same(maps, runs)


def test_aps_tie_goes_to_the_first_component():
    # a single dot spread by the 2x2 circular max ties all four components
    x = np.zeros((8, 8))
    x[3, 5] = 1.0
    view = dict(pattern=x, kernel=[[1.0]], pool="aps", dx=1, dy=1, mode="wrap")
    maps = _run_snippet(torch_snippet(**view))
    _check_same(maps, _runs(view))


# ---------------------------------------------------------------- 4-tap blur, oracles


def test_blur4_views_exist_and_name_their_filter():
    assert len(BLUR4_VIEWS) == 8
    src = torch_snippet(**BLUR4_VIEWS[0])
    compile(src, "snippet", "exec")
    assert "[1.0, 3.0, 3.0, 1.0]" in src and "/ 64" in src
    assert 'F.pad(t, (1, 2, 1, 2), mode="reflect")' in src
    assert "blur-pool 2×2 [1,3,3,1]" in src
    three = torch_snippet(**dict(BLUR4_VIEWS[0], blur_taps=3))
    assert "[1.0, 2.0, 1.0]" in three and "[1,3,3,1]" not in three


@pytest.mark.parametrize("view", BLUR4_VIEWS)
def test_blur4_snippet_matches_compare(view):
    _check_same(_run_snippet(torch_snippet(**view)), _runs(view))


def _snippet_helper(kind, **pool):
    """The snippet's own ``blur_pool`` / ``aps_pool`` function, as a student would run it."""
    src = torch_snippet(np.eye(8), [[1.0]], pool=kind, **pool)
    return _exec_snippet(src)["blur_pool" if kind == "blur" else "aps_pool"]


@pytest.mark.parametrize("taps", [3, 4])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_snippet_blur_pool_matches_the_independent_oracle(taps, stride):
    torch = require_torch()
    import torch_oracles

    blur_pool = _snippet_helper("blur", pool_stride=stride, blur_taps=taps)
    rng = np.random.default_rng(taps * 10 + stride)
    for _ in range(20):
        h, w = (int(v) for v in rng.integers(4, 14, size=2))
        t = torch.from_numpy(rng.standard_normal((1, 1, h, w)))
        np.testing.assert_allclose(
            blur_pool(t).numpy(),
            torch_oracles.blur_pool(t, stride, taps).numpy(),
            rtol=1e-12,
            atol=1e-12,
        )


@pytest.mark.parametrize("size, stride", [(2, 2), (3, 2), (2, 3), (1, 2), (3, 1)])
def test_snippet_aps_pool_matches_the_independent_oracle(size, stride):
    torch = require_torch()
    import torch_oracles

    aps_pool = _snippet_helper("aps", pool_size=size, pool_stride=stride)
    rng = np.random.default_rng(size * 10 + stride)
    for trial in range(30):
        h, w = stride * int(rng.integers(2, 6)), stride * int(rng.integers(2, 6))
        if trial % 2:  # small integers: exact norms, exact ties, first wins in both
            x = rng.integers(0, 2, size=(1, 1, h, w)).astype(float)
        else:
            x = rng.standard_normal((1, 1, h, w))
        t = torch.from_numpy(x)
        np.testing.assert_array_equal(
            aps_pool(t).numpy(), torch_oracles.aps_pool(t, size, stride).numpy()
        )
