"""Instant mode: every shift precomputed, drawn by a self-contained page."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from poolviz.core.invariance import changed_mask
from poolviz.core.ops import shift
from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import run_pipeline
from poolviz.lessons.comparison import standard_pipelines
from poolviz.render.scrub import (
    MAX_SCRUB_VALUES,
    largest_radius,
    page_height,
    scrub_data,
    scrub_html,
)


@pytest.mark.parametrize("mode", ["zero", "wrap"])
def test_scrub_data_matches_running_each_shift(mode):
    x = make_preset("blob", 10, 9)
    pipelines = standard_pipelines(((1.0, -1.0),), pool="avg")
    data = scrub_data(x, pipelines, mode, radius=2)
    assert data["dxs"] == [-2, -1, 0, 1, 2]
    for entry, pipeline in zip(data["pipelines"], pipelines.values(), strict=True):
        for k, (dy, dx) in enumerate((dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)):
            stages = run_pipeline(pipeline, shift(x, dy, dx, mode))
            for stage, want in zip(entry["stages"], stages, strict=True):
                np.testing.assert_allclose(stage["shifted"][k], np.atleast_2d(want.maps), atol=1e-6)


def test_a_pipeline_that_cannot_run_reports_its_error():
    x = make_preset("book", 4, 4)
    data = scrub_data(x, standard_pipelines(np.ones((5, 5))), radius=1)
    assert all("error" in entry for entry in data["pipelines"])


def test_radius_is_validated_and_bounded_by_the_data_budget():
    with pytest.raises(ValueError, match="`radius` must be from 0 to 8; got 9"):
        scrub_data(make_preset("book"), standard_pipelines(((1.0,),)), radius=9)
    r = largest_radius(16, 16, 2000, 8)
    assert (2 * r + 1) ** 2 * 2000 <= MAX_SCRUB_VALUES < (2 * r + 3) ** 2 * 2000


def test_the_page_embeds_the_data_inertly():
    data = scrub_data(make_preset("book"), standard_pipelines(((1.0,),)), radius=1)
    data["pipelines"][0]["name"] = "</script><script>alert(1)</script>"
    html = scrub_html(data, True, dx=1, dy=0)
    assert "</script><script>alert(1)" not in html
    payload = re.search(r'id="poolviz-data">(\{.*?\})</script>', html).group(1)
    assert json.loads(payload)["data"]["pipelines"][0]["name"].startswith("</script>")
    assert page_height(data) > 100


def test_changed_marks_come_from_the_one_rule():
    x = make_preset("book")
    data = scrub_data(x, standard_pipelines(((1.0,),)), radius=1)
    for entry in data["pipelines"]:
        for stage in entry["stages"]:
            base = np.array(stage["original"])
            for moved, changed in zip(stage["shifted"], stage["changed"], strict=True):
                want = changed_mask(base, np.array(moved))
                assert np.array_equal(np.array(changed, bool), want)
    js = (Path(scrub_html.__code__.co_filename).parent / "assets" / "scrub.js").read_text()
    assert "TOLERANCE" not in js and "s.changed[k]" in js
