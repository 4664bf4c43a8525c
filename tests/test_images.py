"""Tests for poolviz.view.uploads.image_to_grid, including hostile uploads.

Every hostile file is generated here (Pillow, zlib, struct); nothing binary is committed.
"""

from __future__ import annotations

import io
import struct
import time
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from poolviz.core import limits
from poolviz.core.checks import PoolvizError
from poolviz.view import uploads as images
from poolviz.view.uploads import MAX_ASPECT_RATIO, image_to_grid

NOT_AN_IMAGE = r"the file is not an image Pillow can read \(PNG, JPEG, GIF or WebP\)"
CORRUPT = r"the image file is truncated or corrupt and cannot be decoded"
BOMB = r"the image declares too many pixels \(possible decompression bomb\): images may have at most 16777216 pixels \(4096×4096\)"  # noqa: E501
ASPECT = r"aspect ratio is over 64:1"


# --------------------------------------------------------------------------- helpers


def encode(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def left_half_black(mode: str = "L", size=(32, 32)) -> Image.Image:
    """White image whose left half is black, in ``mode``."""
    img = Image.new("L", size, 255)
    img.paste(0, (0, 0, size[0] // 2, size[1]))
    return img.convert(mode)


LEFT_HALF = np.array([[1.0, 1.0, 0.0, 0.0]] * 4)


def noise_png(size=(64, 64), seed=0) -> bytes:
    rng = np.random.default_rng(seed)
    return encode(Image.fromarray(rng.integers(0, 256, (size[1], size[0]), dtype=np.uint8)))


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def handmade_png(width: int, height: int, idat_rows: int = 1) -> bytes:
    """An 8-bit gray PNG whose IHDR declares ``width``×``height`` but holds tiny data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00" * min(width, 16) for _ in range(idat_rows))
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def patch_ihdr(png: bytes, width: int, height: int) -> bytes:
    """Rewrite a real PNG's IHDR width/height and recompute its CRC."""
    assert png[12:16] == b"IHDR"
    body = bytearray(png[16:29])
    body[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(body)) & 0xFFFFFFFF)
    return png[:16] + bytes(body) + crc + png[33:]


# --------------------------------------------------------------------------- happy paths


def test_basic_png_threshold_and_gray():
    data = encode(left_half_black())
    np.testing.assert_array_equal(image_to_grid(data, 4, 4), LEFT_HALF)
    np.testing.assert_array_equal(image_to_grid(data, 4, 4, threshold=None), LEFT_HALF)
    np.testing.assert_array_equal(image_to_grid(data, 4, 4, invert=False), 1.0 - LEFT_HALF)
    g = image_to_grid(data, 8, 6)
    assert g.shape == (8, 6) and g.dtype == np.float64


def test_accepts_bytearray_and_memoryview():
    data = encode(left_half_black())
    np.testing.assert_array_equal(image_to_grid(bytearray(data), 4, 4), LEFT_HALF)
    np.testing.assert_array_equal(image_to_grid(memoryview(data), 4, 4), LEFT_HALF)


def test_gray_levels_are_quantized_and_thresholded():
    img = Image.new("L", (40, 8), 255)
    for i, gray in enumerate([0, 64, 128, 191, 255]):  # ink 1.0, .75, .5, .25, 0
        img.paste(gray, (8 * i, 0, 8 * i + 8, 8))
    data = encode(img)
    q = image_to_grid(data, 4, 5, threshold=None)
    np.testing.assert_array_equal(q[0], [1.0, 0.7, 0.5, 0.3, 0.0])  # 0.749 -> 0.7, 0.251 -> 0.3
    np.testing.assert_array_equal(image_to_grid(data, 4, 5, threshold=0.5)[0], [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(image_to_grid(data, 4, 5, threshold=0.0)[0], [1, 1, 1, 1, 1])
    np.testing.assert_array_equal(image_to_grid(data, 4, 5, threshold=1.0)[0], [1, 0, 0, 0, 0])


def test_thin_line_survives_box_filter():
    img = Image.new("L", (64, 64), 255)
    img.paste(0, (33, 0, 34, 64))  # 1-pixel line, 1/2 of a cell at 64 -> 32
    g = image_to_grid(encode(img), 32, 32, threshold=None)
    assert np.flatnonzero(g[0]).tolist() == [16]
    assert g[0, 16] == 0.5


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_each_accepted_format(fmt):
    img = left_half_black("RGB")
    kwargs = {"lossless": True} if fmt == "WEBP" else {}
    np.testing.assert_array_equal(image_to_grid(encode(img, fmt, **kwargs), 4, 4), LEFT_HALF)


def test_mode_1_image():
    np.testing.assert_array_equal(image_to_grid(encode(left_half_black("1")), 4, 4), LEFT_HALF)


def test_cmyk_jpeg():
    img = Image.new("CMYK", (32, 32), (0, 0, 0, 0))  # white
    img.paste((0, 0, 0, 255), (0, 0, 16, 32))  # black left half
    data = encode(img, "JPEG", quality=95)
    with Image.open(io.BytesIO(data)) as check:
        assert check.mode == "CMYK"
    np.testing.assert_array_equal(image_to_grid(data, 4, 4), LEFT_HALF)
    q = image_to_grid(data, 4, 4, threshold=None)
    np.testing.assert_allclose(q, LEFT_HALF, atol=0.1)


def test_16_bit_grayscale_png_uses_full_range():
    arr = np.full((16, 24), 65000, dtype=np.uint16)  # bright: ink ~0
    arr[:, :8] = 1000  # dark: ink ~1
    arr[:, 8:16] = 32768  # mid gray: ink ~0.5 (would be clipped to white at 255)
    data = encode(Image.fromarray(arr))
    with Image.open(io.BytesIO(data)) as check:
        assert check.mode.startswith("I")
    q = image_to_grid(data, 4, 6, threshold=None)
    np.testing.assert_array_equal(q[0], [1.0, 1.0, 0.5, 0.5, 0.0, 0.0])
    t = image_to_grid(data, 4, 6, threshold=0.4)
    np.testing.assert_array_equal(t[0], [1, 1, 1, 1, 0, 0])


def test_16_bit_helper_for_mode_i_and_transparency():
    arr = np.array([[0, 65535, 300], [70000, -5, 300]], dtype=np.int32)
    img = Image.fromarray(arr)  # mode "I"
    assert img.mode == "I"
    img.info["transparency"] = 300
    out = np.asarray(images._sixteen_bit_to_f(img))
    np.testing.assert_allclose(out, [[0, 255, 255], [255, 0, 255]], atol=1e-3)


def test_palette_png_with_transparency_is_white():
    img = Image.new("P", (32, 32), 0)
    img.putpalette([0, 0, 0, 255, 255, 255, 0, 0, 0] + [0] * (256 * 3 - 9))
    img.paste(2, (16, 0, 32, 32))  # right half: black but fully transparent
    data = encode(img, transparency=2)
    with Image.open(io.BytesIO(data)) as check:
        assert check.mode == "P" and check.info.get("transparency") is not None
    np.testing.assert_array_equal(image_to_grid(data, 4, 4), LEFT_HALF)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_composited_onto_white(mode):
    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))  # transparent black
    img.paste((0, 0, 0, 255), (0, 0, 16, 32))  # opaque black on the left
    img.paste((0, 0, 0, 128), (16, 0, 24, 32))  # half-transparent black
    data = encode(img.convert(mode))
    q = image_to_grid(data, 4, 4, threshold=None)
    np.testing.assert_array_equal(q[0], [1.0, 1.0, 0.5, 0.0])


def test_gray_png_with_trns_key_is_white():
    img = left_half_black("L")
    data = encode(img, transparency=0)  # black is the transparent key: nothing is ink
    assert image_to_grid(data, 4, 4).sum() == 0.0


def test_animated_gif_uses_first_frame():
    black = Image.new("L", (16, 16), 0).convert("P")
    white = Image.new("L", (16, 16), 255).convert("P")
    first_black = encode(black, "GIF", save_all=True, append_images=[white], duration=100)
    first_white = encode(white, "GIF", save_all=True, append_images=[black], duration=100)
    with Image.open(io.BytesIO(first_black)) as check:
        assert check.n_frames == 2
    np.testing.assert_array_equal(image_to_grid(first_black, 4, 4), np.ones((4, 4)))
    np.testing.assert_array_equal(image_to_grid(first_white, 4, 4), np.zeros((4, 4)))


def test_animated_webp_uses_first_frame():
    black = Image.new("RGB", (16, 16), 0)
    white = Image.new("RGB", (16, 16), (255, 255, 255))
    data = encode(black, "WEBP", save_all=True, append_images=[white], lossless=True)
    np.testing.assert_array_equal(image_to_grid(data, 4, 4), np.ones((4, 4)))


def test_multi_picture_jpeg_uses_first_picture():
    black = Image.new("RGB", (16, 16), 0)
    white = Image.new("RGB", (16, 16), (255, 255, 255))
    data = encode(black, "MPO", save_all=True, append_images=[white])
    with Image.open(io.BytesIO(data)) as check:
        assert check.format == "MPO" and check.n_frames == 2
    np.testing.assert_array_equal(image_to_grid(data, 4, 4), np.ones((4, 4)))


def asymmetric_image() -> Image.Image:
    """32 wide × 16 tall, black block in the top-left quadrant only."""
    img = Image.new("L", (32, 16), 255)
    img.paste(0, (0, 0, 16, 8))
    return img


@pytest.mark.parametrize(
    "orientation, transpose",
    [
        (6, Image.Transpose.ROTATE_270),
        (8, Image.Transpose.ROTATE_90),
        (3, Image.Transpose.ROTATE_180),
    ],
)
def test_exif_orientation_is_applied(orientation, transpose):
    img = asymmetric_image()
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(img, "JPEG", exif=exif.tobytes(), quality=95)
    with Image.open(io.BytesIO(data)) as check:
        assert check.size == (32, 16) and check.getexif()[0x0112] == orientation
    expected = image_to_grid(encode(img.transpose(transpose)), 8, 8)
    unrotated = image_to_grid(encode(img), 8, 8)
    got = image_to_grid(data, 8, 8)
    np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(got, unrotated)
    assert got.sum() == 16  # a quarter of the cells


def test_large_jpeg_is_drafted_and_correct():
    img = left_half_black("RGB", size=(4000, 3000))
    data = encode(img, "JPEG", quality=90)
    np.testing.assert_array_equal(image_to_grid(data, 4, 4), LEFT_HALF)
    with Image.open(io.BytesIO(data)) as im:  # what draft() will do for a 4x4 grid
        im.draft("L", (8, 8))
        assert im.size == (500, 375)


def test_image_at_exactly_the_pixel_cap_is_accepted():
    data = encode(Image.new("L", (4096, 4096), 255))
    assert len(data) < limits.MAX_UPLOAD_BYTES
    assert image_to_grid(data, 4, 4).sum() == 0.0


@pytest.mark.parametrize("size", [(256, 4), (4, 256), (64, 1)])
def test_aspect_ratio_up_to_64_is_accepted(size):
    img = Image.new("L", size, 0)
    np.testing.assert_array_equal(image_to_grid(encode(img), 4, 4), np.ones((4, 4)))


# --------------------------------------------------------------------------- refusals


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(PoolvizError, match=r"the file is empty: `data` must be 1 to 5242880 bytes"):
        image_to_grid(path.read_bytes(), 8, 8)


def test_too_many_bytes_refused_before_decoding(monkeypatch):
    data = encode(Image.new("L", (8, 8))) + b"\x00" * limits.MAX_UPLOAD_BYTES
    opened = []

    def spy(*args, **kwargs):
        opened.append(args)
        raise Image.UnidentifiedImageError("spy")

    monkeypatch.setattr(Image, "open", spy)
    with pytest.raises(
        PoolvizError,
        match=r"the file is too large: `data` must be 1 to 5242880 bytes \(5 MiB\); "
        rf"got {len(data)} bytes$",
    ):
        image_to_grid(data, 8, 8)
    assert opened == []  # refused before Pillow saw a byte
    # exactly at the byte cap passes the byte check and reaches Image.open
    with pytest.raises(PoolvizError, match=NOT_AN_IMAGE):
        image_to_grid(b"\x00" * limits.MAX_UPLOAD_BYTES, 8, 8)
    assert len(opened) == 1


def test_non_image_with_png_name(tmp_path):
    path = tmp_path / "drawing.png"
    path.write_bytes(b"hello")
    with pytest.raises(PoolvizError, match=NOT_AN_IMAGE + r"; got 5 bytes starting with b'hello'"):
        image_to_grid(path.read_bytes(), 8, 8)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n",  # a PNG signature and nothing else
        b"<html><body>not an image</body></html>",
        b"GIF89a",
        b"\xff\xd8\xff",
    ],
)
def test_other_non_images(data):
    with pytest.raises(PoolvizError, match=r"the file is (not an image|.*truncated or corrupt)"):
        image_to_grid(data, 8, 8)


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "PPM", "ICO"])
def test_formats_pillow_knows_but_we_refuse(fmt):
    data = encode(left_half_black("RGB"), fmt)
    with Image.open(io.BytesIO(data)) as check:  # Pillow itself reads these fine
        assert check.format == fmt
    with pytest.raises(PoolvizError, match=NOT_AN_IMAGE):
        image_to_grid(data, 4, 4)


def test_truncated_png():
    data = noise_png()
    half = data[: len(data) // 2]
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(PoolvizError, match=CORRUPT):
        image_to_grid(half, 8, 8)


def test_truncated_png_refused_even_if_someone_sets_load_truncated(monkeypatch):
    data = noise_png()
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(PoolvizError, match=CORRUPT):
        image_to_grid(data[: len(data) // 2], 8, 8)
    with pytest.raises(PoolvizError, match=CORRUPT):
        image_to_grid(data[:-12], 8, 8)  # only IEND missing


@pytest.mark.parametrize("cut", [0.1, 0.3, 0.5, 0.9, 0.99])
def test_truncated_png_at_many_points(cut):
    data = noise_png(seed=1)
    with pytest.raises(PoolvizError, match=r"truncated or corrupt|not an image"):
        image_to_grid(data[: max(1, int(len(data) * cut))], 8, 8)


def test_png_with_bad_crc_is_refused():
    data = bytearray(noise_png())
    data[60] ^= 0xFF  # inside the IDAT payload: CRC no longer matches
    with pytest.raises(PoolvizError, match=CORRUPT):
        image_to_grid(bytes(data), 8, 8)


def test_truncated_jpeg():
    rng = np.random.default_rng(0)
    data = encode(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)), "JPEG")
    with pytest.raises(PoolvizError, match=CORRUPT):
        image_to_grid(data[: len(data) // 2], 8, 8)


@pytest.mark.parametrize(
    "width, height, detail",
    [
        (
            100_000,
            100_000,
            r"got Image size \(10000000000 pixels\) exceeds limit",
        ),  # Pillow's error
        (10_000, 10_000, r"got Image size \(100000000 pixels\) exceeds limit"),  # Pillow's warning
        (5000, 5000, r"got 5000×5000 = 25000000 pixels"),  # our own, tighter cap
        (4097, 4096, r"got 4097×4096 = 16781312 pixels"),
    ],
)
def test_decompression_bomb_handmade(width, height, detail):
    data = handmade_png(width, height)
    assert len(data) < 100
    start = time.perf_counter()
    with pytest.raises(PoolvizError, match=BOMB + "; " + detail):
        image_to_grid(data, 8, 8)
    assert time.perf_counter() - start < 1.0  # refused from the header, nothing decoded


def test_decompression_bomb_patched_from_real_png():
    data = patch_ihdr(encode(Image.new("L", (8, 8), 255)), 100_000, 100_000)
    with Image.open(io.BytesIO(patch_ihdr(data, 9, 9))) as check:  # the CRC patch is valid
        assert check.size == (9, 9)
    with pytest.raises(PoolvizError, match=BOMB):
        image_to_grid(data, 8, 8)


def test_bomb_warning_is_not_made_an_error_globally():
    before = list(warnings.filters)
    with pytest.raises(PoolvizError, match=BOMB):
        image_to_grid(handmade_png(10_000, 10_000), 8, 8)
    image_to_grid(encode(left_half_black()), 4, 4)
    assert warnings.filters == before


@pytest.mark.parametrize("size", [(1, 100_000), (100_000, 1), (4, 257), (1000, 10)])
def test_extreme_aspect_ratio_refused(size):
    data = encode(Image.new("L", size, 255))
    assert len(data) < limits.MAX_UPLOAD_BYTES
    w, h = size
    assert w * h <= limits.MAX_UPLOAD_PIXELS
    with pytest.raises(PoolvizError, match=ASPECT + rf".*; got {w}×{h}"):
        image_to_grid(data, 8, 8)


def test_aspect_limit_constant():
    assert MAX_ASPECT_RATIO == 64 == limits.MAX_GRID


# --------------------------------------------------------------------------- argument checks


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"height": 3}, r"`height` must be between 4 and 64; got 3"),
        ({"width": 65}, r"`width` must be between 4 and 64; got 65"),
        ({"height": 8.0}, r"`height` must be an integer between 4 and 64; got 8.0"),
        ({"threshold": -0.1}, r"`threshold` must be None or a number between 0 and 1; got -0.1"),
        ({"threshold": 1.5}, r"`threshold` must be None or a number between 0 and 1; got 1.5"),
        ({"threshold": float("nan")}, r"`threshold` .* between 0 and 1; got nan"),
        ({"threshold": np.float64("nan")}, r"`threshold` .*; got np.float64\(nan\)"),
        ({"threshold": True}, r"`threshold` .*; got True"),
        ({"threshold": "0.5"}, r"`threshold` .*; got '0.5'"),
        ({"invert": "yes"}, r"`invert` must be True or False; got 'yes'"),
        ({"data": "not bytes"}, r"`data` must be the file's bytes; got str"),
    ],
)
def test_argument_refusals(kwargs, message):
    args = {"data": encode(left_half_black()), "height": 8, "width": 8, **kwargs}
    with pytest.raises(PoolvizError, match=message):
        image_to_grid(**args)


def test_numpy_threshold_and_invert_accepted():
    data = encode(left_half_black())
    np.testing.assert_array_equal(
        image_to_grid(data, np.int64(4), 4, threshold=np.float32(0.5), invert=np.bool_(True)),
        LEFT_HALF,
    )


# --------------------------------------------------------------------------- fuzzing


def _samples() -> dict[str, bytes]:
    rng = np.random.default_rng(3)
    img = Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
    return {
        "PNG": encode(img),
        "JPEG": encode(img, "JPEG"),
        "GIF": encode(img.convert("P"), "GIF"),
        "WEBP": encode(img, "WEBP"),
    }


SAMPLES = _samples()


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    fmt=st.sampled_from(sorted(SAMPLES)),
    cut=st.one_of(st.just(1.0), st.floats(0.0, 1.0)),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 255)), max_size=4),
)
def test_fuzzed_files_give_a_grid_or_a_clean_refusal(fmt, cut, flips):
    data = bytearray(SAMPLES[fmt][: max(1, int(len(SAMPLES[fmt]) * cut))])
    for where, xor in flips:
        data[min(len(data) - 1, int(where * len(data)))] ^= xor
    try:
        g = image_to_grid(bytes(data), 8, 8)
    except PoolvizError as exc:
        assert str(exc)
    else:
        assert g.shape == (8, 8)
        assert set(np.unique(g).tolist()) <= {0.0, 1.0}
