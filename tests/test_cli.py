"""``python -m poolviz export``: the page's downloads without a browser, and its errors."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from poolviz.cli import main, parse_query
from poolviz.core.patterns import make_preset
from poolviz.view import state as view_state
from poolviz.view.downloads import EXPORTS, FigureKey, download, figure_download, view_result

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "poolviz", *args], cwd=ROOT, capture_output=True, timeout=120
    )


def test_json_export_of_a_link_holds_view_stages_and_sentences(tmp_path):
    out = tmp_path / "view.json"
    assert main(["export", "?dx=2&pool=avg", "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["view"] == {"dx": "2", "pool": "avg"}
    names = [p["name"] for p in data["pipelines"]]
    assert names == ["avg-pool", "no pooling"]
    stage = data["pipelines"][0]["stages"][2]
    assert set(stage) >= {"label", "original", "shifted", "changed_cells"}
    assert stage["label"].startswith("avg-pool")
    assert (stage["size"], stage["multiply_adds"], stage["receptive_field"]) == ([4, 4], 64, [2, 2])
    assert data["lesson_step"] == 2
    assert data["sentences"] and all(isinstance(s, str) for s in data["sentences"])


def test_the_default_link_shows_the_answer(capsysbinary):
    """The first paint's claim, read from the CLI export of the default link."""
    assert main(["export", "", "-f", "json"]) == 0
    data = json.loads(capsysbinary.readouterr().out)
    runs = {p["name"]: p["stages"] for p in data["pipelines"]}
    pooled, plain = runs["max-pool"], runs["no pooling"]
    # max-pool: the next layer's input (the pooled map) and its output are unchanged
    assert [s["label"] for s in pooled] == [
        "input", "conv 1×1", "max-pool 2×2 /2", "conv 2×2 /2", "global max"
    ]
    assert pooled[2]["changed_cells"] == 0 and pooled[3]["changed_cells"] == 0
    # no pooling: the next layer's input (the conv map) and its output both changed
    assert plain[1]["changed_cells"] > 0 and plain[2]["changed_cells"] > 0
    # and both global maxima are unchanged
    assert pooled[-1]["original"] == pooled[-1]["shifted"] == 2
    assert plain[-1]["original"] == plain[-1]["shifted"] == 2
    assert pooled[-1]["changed_cells"] == plain[-1]["changed_cells"] == 0
    assert data["lesson_step"] == 2 and data["view"] == {}


def test_export_equals_the_shared_download_function_for_the_same_link(tmp_path):
    query = "dx=-1&dy=1&mode=wrap&relu=1"
    view = view_state.decode(parse_query(query)).state
    assert list(EXPORTS) == ["png", "svg", "html", "json", "csv"]
    for fmt in EXPORTS:
        out = tmp_path / f"x.{fmt}"
        assert main(["export", query, "-f", fmt, "-o", str(out)]) == 0
        assert out.read_bytes() == download(view, fmt)


def test_png_export_is_the_1920_by_1080_slide(tmp_path):
    out = tmp_path / "x.png"
    assert main(["export", "dx=2&pool=blur", "-f", "png", "-o", str(out)]) == 0
    with Image.open(io.BytesIO(out.read_bytes())) as im:
        assert im.format == "PNG" and im.size == (1920, 1080) and im.mode == "RGB"


def test_svg_export_parses_and_says_what_the_page_says(capsysbinary):
    assert main(["export", "dx=2&pool=blur", "-f", "svg"]) == 0
    root = ET.fromstring(capsysbinary.readouterr().out)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    view = view_state.decode(parse_query("dx=2&pool=blur")).state
    for sentence in view_result(view).sentences:
        assert sentence in texts
    assert "Share link query: ?dx=2&pool=blur" in texts


def test_html_export_is_one_offline_file(tmp_path):
    out = tmp_path / "x.html"
    assert main(["export", "dy=1&mode=wrap", "-f", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "function mount(" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I)
    assert '"shift":{"dx":1,"dy":1,"mode":"wrap","rev":0}' in page


def test_a_full_link_and_a_bare_query_give_the_same_export(capsysbinary):
    assert main(["export", "http://localhost:8501/?dx=3", "-f", "csv"]) == 0
    by_link = capsysbinary.readouterr().out
    assert main(["export", "dx=3", "-f", "csv"]) == 0
    assert capsysbinary.readouterr().out == by_link


def test_malformed_parameter_warns_like_the_page_and_exports_the_default(capsysbinary):
    pattern = view_state.encode(view_state.DEFAULT.with_pattern(make_preset("cross")))["p"]
    assert main(["export", f"dx=zz&p={pattern}", "-f", "json"]) == 0
    captured = capsysbinary.readouterr()
    err = captured.err.decode()
    assert err.count("warning:") == 1 and "`dx`" in err and "using the default 1" in err
    data = json.loads(captured.out)
    assert data["view"] == {"p": pattern}  # dx fell back to its default, the rest was kept


def test_a_figure_export_is_the_figure_download(tmp_path):
    view = view_state.decode(parse_query("dx=2&pool=blur")).state
    for fmt in ("png", "svg"):
        out = tmp_path / f"f.{fmt}"
        args = ["export", "dx=2&pool=blur", "-f", fmt, "--figure", "blur-pool:2:shifted"]
        assert main([*args, "-o", str(out)]) == 0
        assert out.read_bytes() == figure_download(view, FigureKey("blur-pool", 2, "shifted"), fmt)
    out = tmp_path / "input.png"
    assert main(["export", "", "-f", "png", "--figure", "input:0:original", "-o", str(out)]) == 0
    with Image.open(out) as im:
        assert im.format == "PNG"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["export", "-f", "bmp"], "invalid choice: 'bmp'"),
        (["export", "-f", "pdf", "dx=2"], "invalid choice: 'pdf'"),
        (["export", "-f", "svg", "-o", "/nonexistent-dir/x.svg"], "cannot write '/nonexistent-dir/x.svg'"),
        (["export", "-f", "html", "-o", "/nonexistent-dir/x.html"], "cannot write"),
        (["export", "-f", "json", "--figure", "input:0:original"], "--figure needs --format png or svg"),
        (["export", "-f", "png", "--figure", "max-pool"], "--figure must be PIPELINE:STAGE:WHICH"),
        (["export", "-f", "png", "--figure", "max-pool:x:shifted"], "--figure must be PIPELINE:STAGE:WHICH"),
        (["export", "-f", "png", "--figure", "max-pool:9:shifted"], "`key` must name a map of this view"),
        (["export", "-f", "svg", "--figure", "nope:1:original"], "`key` must name a map of this view"),
        (["export", "-f", "svg", "--figure", "input:0:both"], "`key.which` must be one of original, shifted"),
        (["export", "-o", "/nonexistent-dir/x.json"], "cannot write '/nonexistent-dir/x.json'"),
        ([], "the following arguments are required: command"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["export", "a", "b"], "unrecognized arguments: b"),
        (["export", "x" * 100_001], "QUERY has 100,001 characters"),
    ],
)
def test_unusable_arguments_exit_2_with_one_line(args, reason, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("poolviz: error: ") and reason in err


def test_the_module_runs_and_help_explains_it():
    result = run_cli("export", "--help")
    assert result.returncode == 0
    assert b"--format" in result.stdout and b"Example: python -m poolviz export" in result.stdout
    bad = run_cli("export", "--format", "gif")
    assert bad.returncode == 2 and bad.stderr.decode().count("\n") == 1
    assert b"Traceback" not in bad.stderr
