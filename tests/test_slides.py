"""The classroom exports: the 1920×1080 slide (PNG and SVG), one figure per map, the offline page.

Pixels are read back from the decoded PNG at the places the slide's layout put each cell, and
compared with the one colour scale and the one changed-cell rule; the SVG is parsed with
xml.etree and its text compared with the page's sentences.
"""

from __future__ import annotations

import io
import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import changed_mask
from poolviz.core.patterns import make_preset
from poolviz.lessons.comparison import PipelineRun
from poolviz.render import asset_text, png, slides, svg
from poolviz.render.scene import INK_DARK, INK_LIGHT, Scale, contrast
from poolviz.view import downloads
from poolviz.view import state as view_state
from poolviz.view.downloads import INPUT, FigureKey

SVG = "{http://www.w3.org/2000/svg}"
DEFAULT = view_state.DEFAULT
BLUR = replace(DEFAULT, dx=2, pool="blur")
EDGES = DEFAULT.with_kernel([[1, 0, -1], [2, 0, -2], [1, 0, -1]])  # negative values
BIG = replace(DEFAULT.with_pattern(make_preset("random", 32, 32, seed=3)), dx=3, dy=-2)
VIEWS = {"default": DEFAULT, "blur": BLUR, "edges": EDGES, "big": BIG}


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        return np.asarray(image.convert("RGB"))


def cell_pixels(m, dx: int, dy: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (rows, cols) of one point in every cell, ``dx, dy`` from its corner."""
    rows, cols = np.indices(m.values.shape)
    return m.y + 1 + rows * (m.cell + 1) + dy, m.x + 1 + cols * (m.cell + 1) + dx


def stage_maps(result, tag) -> tuple[np.ndarray, np.ndarray]:
    """The computed (original, shifted) maps a slide map's tag names."""
    run = next(iter(result.runs.values())) if tag["pipeline"] == INPUT else result.runs[tag["pipeline"]]
    return run.original[tag["index"]], run.shifted[tag["index"]]


def svg_paragraphs(text: str) -> list[str]:
    root = ET.fromstring(text)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.fixture(scope="module", params=list(VIEWS))
def rendered(request):
    view = VIEWS[request.param]
    result = downloads.view_result(view)
    scene = downloads.slide(view, result)
    return view, result, scene, decode(png.to_png(scene))


# --- the slide PNG -------------------------------------------------------------------------


def test_the_slide_is_1920_by_1080_and_the_download_is_that_png(rendered):
    view, result, scene, pixels = rendered
    assert pixels.shape == (1080, 1920, 3)
    assert downloads.download(view, "png", result) == png.to_png(scene)


def test_every_map_of_the_view_is_on_the_slide_with_the_page_numbers(rendered):
    view, result, scene, _ = rendered
    maps = scene.maps("which")
    keys = [(m.tag["pipeline"], m.tag["index"], m.tag["which"]) for m in maps]
    assert keys == [(k.pipeline, k.stage, k.which) for k in downloads.figures(view, result)]
    for m in maps:
        original, shifted = stage_maps(result, m.tag)
        want = original if m.tag["which"] == "original" else shifted
        np.testing.assert_array_equal(m.values, np.asarray(want, dtype=float).reshape(m.values.shape))


def test_the_maps_fit_the_slide_and_never_overlap(rendered):
    _, _, scene, _ = rendered
    boxes = [(m.x, m.y, m.x + m.width, m.y + m.height) for m in scene.maps()]
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 < x1 <= 1920 and 0 <= y0 < y1 <= 1080
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    for item in scene.items:
        if hasattr(item, "size"):
            assert item.size <= item.y <= 1080 - 4, item  # every baseline on the slide


def test_cell_colours_are_one_scale_for_the_whole_slide(rendered):
    view, result, scene, pixels = rendered
    scale = slides.view_scale(result.runs, downloads._inputs(view))
    seen: dict[float, set] = {}
    for m in scene.maps("which"):
        assert m.scale == scale
        # Bottom-left, inside the mark and below any number: the cell's own colour.
        r, c = cell_pixels(m, m.mark_px, m.cell - m.mark_px - 1)
        got = pixels[r, c]
        np.testing.assert_array_equal(got, scale.rgb(m.values), err_msg=str(m.tag))
        for v, colour in zip(m.values.ravel(), got.reshape(-1, 3), strict=True):
            seen.setdefault(round(float(v), 9), set()).add(tuple(colour))
    assert all(len(colours) == 1 for colours in seen.values())  # equal values, equal colours


def test_changed_cells_carry_a_corner_triangle_and_outline_in_contrasting_ink(rendered):
    _, result, scene, pixels = rendered
    marked_any = False
    for m in scene.maps("which"):
        original, shifted = stage_maps(result, m.tag)
        rgb = m.scale.rgb(m.values)
        ink = m.scale.ink(rgb)
        corner = pixels[cell_pixels(m, m.cell - 2, 0)]  # the corner: triangle and outline
        edge = pixels[cell_pixels(m, 0, m.cell // 2)]  # on the outline, left edge
        # Inside the outline but under the triangle's hypotenuse: the triangle alone.
        t, mark = m.triangle_px, m.mark_px
        assert t >= 2 * mark + 1, (m.cell, t, mark)  # so the triangle shows past the outline
        tip = pixels[cell_pixels(m, m.cell - mark - 1, mark)]
        if m.tag["which"] == "original":
            assert m.changed is None
            np.testing.assert_array_equal(corner, rgb)
            continue
        rule = changed_mask(original, shifted).reshape(m.values.shape)
        np.testing.assert_array_equal(m.changed, rule)
        np.testing.assert_array_equal(corner[rule], ink[rule])
        np.testing.assert_array_equal(tip[rule], ink[rule])
        np.testing.assert_array_equal(edge[rule], ink[rule])
        np.testing.assert_array_equal(corner[~rule], rgb[~rule])
        if not m.show_numbers:
            np.testing.assert_array_equal(tip[~rule], rgb[~rule])
        marked_any |= bool(rule.any())
        for cell, mark in zip(rgb.reshape(-1, 3), ink.reshape(-1, 3), strict=True):
            assert contrast(cell, mark) >= 3
    assert marked_any  # every view here changes something


def test_numbers_show_where_they_fit_at_11px_or_more(rendered):
    view, _, scene, pixels = rendered
    maps = scene.maps("which")
    for m in maps:
        if not m.show_numbers:
            continue
        assert m.font_size >= slides.MIN_NUMBER_PX
        # The centre of a numbered cell holds ink: anti-aliased, so some pixel is at least
        # half-way from the cell's colour to the ink's.
        rgb = m.scale.rgb(m.values).astype(int)
        ink = m.scale.ink(m.scale.rgb(m.values)).astype(int)
        for r, c in np.ndindex(m.values.shape):
            x, y = m.cell_box(r, c)
            patch = pixels[y + m.cell // 2 - 4 : y + m.cell // 2 + 4, x + 3 : x + m.cell - 3]
            moved = np.abs(patch.astype(int) - rgb[r, c]).sum(axis=-1).max()
            assert moved >= 0.5 * np.abs(ink[r, c] - rgb[r, c]).sum(), (m.tag, r, c)
    if view is BIG:
        assert not maps[0].show_numbers  # 32×32 at a few px a cell: no room for numbers
    else:
        assert all(m.show_numbers for m in maps)


def test_show_values_off_prints_no_number():
    view = replace(DEFAULT, show_values=False)
    scene = downloads.slide(view)
    assert not any(m.show_numbers for m in scene.maps())
    pixels = decode(png.to_png(scene))
    m = scene.maps("which")[0]
    x, y = m.cell_box(0, 2)  # a 1 of the book's pattern: one flat colour, no digit
    block = pixels[y + 3 : y + m.cell - 3, x + 3 : x + m.cell - 3].reshape(-1, 3)
    assert (block == m.scale.rgb(np.array(1.0))).all()
    assert downloads.download(view, "png") != downloads.download(DEFAULT, "png")


def test_a_known_cell_has_its_known_colour():
    """The default view: the input's column 2 holds 1s, on a 0..2 scale (white to
    (8, 48, 107)): rgb = round(255 + (to - 255) / 2) = (132, 152, 181)."""
    scene = downloads.slide(DEFAULT)
    pixels = decode(downloads.download(DEFAULT, "png"))
    m = scene.maps("which")[0]
    assert m.tag == {"pipeline": "input", "stage": "input", "index": 0, "which": "original"}
    x, y = m.cell_box(5, 2)
    assert tuple(pixels[y + m.cell - 4, x + 3]) == (132, 152, 181)
    x, y = m.cell_box(5, 0)
    assert tuple(pixels[y + m.cell - 4, x + 3]) == (255, 255, 255)


def test_the_scale_is_the_browsers_rule():
    """explorer.js makeScale: sequential white -> (8, 48, 107) over [0, hi]; diverging
    white at 0, (33, 102, 172) at -m, (178, 24, 43) at +m, m = max |v|; Math.round."""
    seq = Scale.over([np.array([0.0, 4.0])])
    assert not seq.diverging
    assert seq.rgb(np.array([0.0, 1.0, 4.0])).tolist() == [
        [255, 255, 255], [193, 203, 218], [8, 48, 107],
    ]
    div = Scale.over([np.array([-2.0, 1.0])])
    assert div.diverging
    assert div.rgb(np.array([-2.0, -1.0, 0.0, 1.0, 2.0])).tolist() == [
        [33, 102, 172], [144, 179, 214], [255, 255, 255], [217, 140, 149], [178, 24, 43],
    ]
    assert Scale.over([np.zeros(3)]).rgb(np.zeros(1)).tolist() == [[255, 255, 255]]
    # Ink: white where it contrasts more than black.
    assert div.ink(div.rgb(np.array([-2.0, 0.0]))).tolist() == [list(INK_LIGHT), list(INK_DARK)]


def test_negative_values_give_a_diverging_slide_white_at_zero():
    view, result, scene, pixels = None, None, downloads.slide(EDGES), None
    scale = scene.maps("which")[0].scale
    assert scale.diverging and scale.lo < 0 < scale.hi
    conv = next(m for m in scene.maps("which") if m.tag["stage"].startswith("conv 3×3"))
    assert (conv.values < 0).any()
    rgb = scale.rgb(conv.values)
    assert (rgb[conv.values == 0] == 255).all()
    neg, pos = rgb[conv.values < 0], rgb[conv.values > 0]
    assert (neg[:, 2] > neg[:, 0]).all() and (pos[:, 0] > pos[:, 2]).all()  # blue / red
    del view, result, pixels


def test_a_pipeline_that_cannot_run_shows_why_and_the_input_still_shows():
    view = DEFAULT.with_pattern(np.eye(4)).with_kernel(np.ones((5, 5)))
    result = downloads.view_result(view)
    assert not any(run.ok for run in result.runs.values())
    scene = downloads.slide(view, result)
    assert [m.tag["which"] for m in scene.maps("which")] == ["original", "shifted"]
    errors = [t for t in scene.texts() if t.startswith("Cannot run:")]
    assert len(errors) == len(result.runs)
    pixels = decode(png.to_png(scene)).astype(int)
    assert ((pixels[..., 0] > 120) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)).any()


def test_a_long_title_and_many_sentences_are_wrapped_never_cut():
    a, b = np.eye(6), np.roll(np.eye(6), 1, axis=1)
    run = PipelineRun("p", ("input", "global max"), (a, np.array(1.0)), (b, np.array(1.0)))
    long = ["word " * 80 + "end.", "x" * 400]
    title = " ".join(["title"] * 40)
    settings = " ".join(["s"] * 300)
    scene = slides.slide_scene({"p": run}, (a, b), title, long, [settings])
    paragraphs = svg_paragraphs(svg.to_svg(scene))
    assert title in paragraphs and settings in paragraphs
    assert long[0] in paragraphs and long[1] in paragraphs
    assert "".join(t for t in scene.texts() if set(t) == {"x"}) == "x" * 400
    assert decode(png.to_png(scene)).shape == (1080, 1920, 3)


def test_a_32_by_32_slide_is_quick():
    t0 = time.perf_counter()
    downloads.download(BIG, "png")
    downloads.download(BIG, "svg")
    assert time.perf_counter() - t0 < 20  # shared 2-core machine; typically ~1 s


# --- the slide SVG ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(VIEWS))
def test_svg_parses_and_holds_every_sentence_and_the_settings_as_text(name):
    view = VIEWS[name]
    result = downloads.view_result(view)
    text = downloads.download(view, "svg", result).decode("utf-8")
    root = ET.fromstring(text)
    assert (root.get("width"), root.get("height")) == ("1920", "1080")
    paragraphs = svg_paragraphs(text)
    for sentence in result.sentences:
        assert sentence in paragraphs
    for line in downloads.settings_lines(view):
        assert line in paragraphs
    # The bulleted paragraphs are exactly the page's sentences, in order: nothing invented.
    bullets = [paragraphs[i + 1] for i, p in enumerate(paragraphs) if p == "•"]
    assert bullets == list(result.sentences)
    # Every cell is a rect with its exact value; the same maps as the PNG's.
    values = [float(r.get("data-value")) for r in root.iter(f"{SVG}rect") if r.get("data-value")]
    scene = downloads.slide(view, result)
    assert len(values) == sum(m.values.size for m in scene.maps())


def test_svg_escapes_text():
    a = np.eye(4)
    run = PipelineRun("<b>&", ("input", "g"), (a, np.array(1.0)), (a, np.array(1.0)))
    text = svg.to_svg(slides.slide_scene({"<b>&": run}, (a, a), "t<", ["a < b & \x01"], ["q&"]))
    paragraphs = svg_paragraphs(text)
    assert "a < b & \ufffd" in paragraphs and "<b>&" in paragraphs and "t<" in paragraphs


def test_settings_line_names_every_setting_and_the_link():
    first, link = downloads.settings_lines(BLUR)
    for part in ("8×8 pattern", "filter 1×1 [1]", "stride 1, padding 0, no ReLU",
                 "BlurPool (anti-aliased) 2×2", "stride 2", "next conv stride 2",
                 "shift dx=+2, dy=0, zero fill", "pipelines: blur-pool and no pooling"):
        assert part in first
    assert link == "Share link query: ?dx=2&pool=blur"
    first, _ = downloads.settings_lines(replace(EDGES, dx=-1, dy=3, mode="wrap", relu=True))
    assert "filter 3×3 [[1, 0, -1], [2, 0, -2], [1, 0, -1]]" in first
    assert "shift dx=-1, dy=+3, wrap around" in first and "ReLU" in first


# --- one figure per map ------------------------------------------------------------------------


def test_every_figure_downloads_as_png_and_svg_with_its_map():
    result = downloads.view_result(BLUR)
    scale = slides.view_scale(result.runs, downloads._inputs(BLUR))
    keys = downloads.figures(BLUR, result)
    assert len(keys) == 2 + 2 * (4 + 3)
    names = {downloads.figure_name(k, "png") for k in keys}
    assert len(names) == len(keys)  # one file name per figure
    for key in keys:
        scene = downloads.figure(BLUR, key, result)
        (m,) = scene.maps()
        original, shifted = stage_maps(result, {"pipeline": key.pipeline, "index": key.stage})
        want = np.asarray(original if key.which == "original" else shifted, dtype=float)
        np.testing.assert_array_equal(m.values, want.reshape(m.values.shape))
        assert m.scale == scale  # the slide's scale: a figure matches the slide's colours
        if key.which == "shifted":
            rule = changed_mask(original, shifted)
            np.testing.assert_array_equal(m.changed, np.reshape(rule, m.values.shape))
        else:
            assert m.changed is None
        data = downloads.figure_download(BLUR, key, "png", result)
        pixels = decode(data)
        assert pixels.shape == (scene.height, scene.width, 3)
        r, c = cell_pixels(m, m.mark_px, m.cell - m.mark_px - 1)
        np.testing.assert_array_equal(pixels[r, c], scale.rgb(m.values))
        text = downloads.figure_download(BLUR, key, "svg", result).decode("utf-8")
        root = ET.fromstring(text)
        cells = [float(e.get("data-value")) for e in root.iter(f"{SVG}rect") if e.get("data-value")]
        assert cells == m.values.ravel().tolist()


def test_figure_download_rejects_a_missing_map_and_a_bad_format():
    with pytest.raises(PoolvizError, match="`key` must name a map of this view"):
        downloads.figure_download(DEFAULT, FigureKey("max-pool", 9, "shifted"), "png")
    with pytest.raises(PoolvizError, match="`key` must name a map of this view"):
        downloads.figure_download(DEFAULT, FigureKey("nope", 1, "shifted"), "png")
    with pytest.raises(PoolvizError, match="`key.which` must be one of original, shifted"):
        downloads.figure_download(DEFAULT, FigureKey(INPUT, 0, "both"), "svg")
    with pytest.raises(PoolvizError, match="`fmt` must be one of png, svg; got 'csv'"):
        downloads.figure_download(DEFAULT, FigureKey(INPUT, 0, "original"), "csv")


# --- the offline page --------------------------------------------------------------------------

_ATTR_URL = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]+)""", re.I)


def offline_config(page: str) -> dict:
    body = page.split("id='poolviz-explorer-data'>", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


@pytest.mark.parametrize("view", [DEFAULT, replace(BLUR, dy=-1, mode="wrap")])
def test_the_html_export_is_self_contained_with_every_shift(view):
    page = downloads.download(view, "html").decode("utf-8")
    assert page.startswith("<!doctype html>")
    js, css = asset_text("explorer.js"), asset_text("explorer.css")
    assert js in page and css in page  # the page's own component, inlined
    assert _ATTR_URL.findall(page) == []  # no src=, href=, ...: nothing to load
    assert not re.search(r"<(?:link|iframe|img|object|embed)\b", page, re.I)
    assert not re.search(r"""url\(\s*["']?(?:https?:)?//""", page, re.I)
    assert not re.search(r"""\bimport\s*\(|\bimport\s+[^;]*\bfrom\s*["']""", js)
    assert not re.search(r"\b(?:fetch|XMLHttpRequest|WebSocket|EventSource)\b", js)
    config = offline_config(page)
    data = json.loads(config["payload"])
    assert data == json.loads(json.dumps(downloads.explorer_payload(view)))
    assert data["modes"] == ["zero", "wrap"] and data["radius"] >= abs(view.dx)
    assert config["shift"] == {"dx": view.dx, "dy": view.dy, "mode": view.mode, "rev": 0}
    assert config["editable"] is False


def test_the_payload_function_is_what_the_page_builds():
    """ui/explorer.py builds fit_explorer_data(pattern, selected(settings, names), modes,
    wanted, sentences.explain_shifts, show_values); build_explorer_payload is that call."""
    from poolviz.core.pipeline import LayerSettings
    from poolviz.lessons import pipelines, sentences
    from poolviz.render.explorer import fit_explorer_data

    view = replace(BLUR, pipelines=("strided", "pool"))
    want = fit_explorer_data(
        np.array(view.pattern), pipelines.selected(LayerSettings.of(view.layer_settings()),
                                                   view.pipelines),
        ("zero", "wrap"), 3, sentences.explain_shifts, True,
    )
    assert downloads.explorer_payload(view, wanted=3) == want
    assert downloads.build_explorer_payload(
        view.pattern, view.layer_settings(), view.pipelines, ("zero", "wrap"), 3
    ) == want


def test_formats_lists():
    assert list(downloads.EXPORTS) == ["png", "svg", "html", "json", "csv"]
    assert downloads.EXPORTS["png"] == ("poolviz.png", "image/png")
    with pytest.raises(ValueError, match="`fmt` must be one of png, svg, html, json, csv"):
        downloads.download(DEFAULT, "gif")
