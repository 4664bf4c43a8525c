"""Turn an uploaded image (raw bytes) into a pattern grid, refusing hostile files.

Pipeline of :func:`image_to_grid`: size checks on the bytes, ``Image.open`` restricted
to PNG, JPEG, GIF and WebP, header checks (pixel cap, aspect ratio), a full CRC and
length check for PNG, JPEG ``draft()`` decoding at reduced scale, decode of the first
frame only, EXIF orientation, compositing of any transparency onto white, a mode-aware
conversion to gray (16-bit PNGs scaled from 0..65535, CMYK and palettes converted via
RGB), a BOX (area) resize to the grid size computed in floating point, ink = dark, and
finally a threshold or :func:`~poolviz.core.patterns.quantize_gray`.

Limits (from :mod:`poolviz.core.limits`)
-----------------------------------
* Bytes: 1 to ``MAX_UPLOAD_BYTES`` (5 MiB), checked before anything is parsed.
* Pixels: an image whose header *declares* more than ``MAX_UPLOAD_PIXELS``
  (4096 × 4096 = 16 777 216) pixels is refused before any pixel data is decoded,
  so a tiny file claiming 100000 × 100000 pixels never allocates. Pillow's own
  decompression-bomb error, and its warning (turned into an error only inside a local
  ``warnings.catch_warnings()`` block), are refused the same way.
* Aspect ratio: images whose longer side is more than ``MAX_ASPECT_RATIO`` (64) times
  the shorter one (e.g. 1 × 100000) are **refused** ("aspect ratio over 64:1"). A grid
  is at most 64:4 = 16:1, so such an image could only be smeared across it; these are
  mistakes or hostile files, and refusing them from the header is cheap.
* Formats: PNG, JPEG, GIF and WebP only (checked on the decoded header, whatever the
  file name says); multi-picture JPEGs, which Pillow calls "MPO", count as JPEG.
* Truncated or corrupt files are refused with a clean :class:`PoolvizError`; nothing
  here sets or relies on ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` (PNGs are verified
  chunk by chunk first, which catches truncation even if someone else sets that flag).

Examples
--------
>>> import io
>>> from PIL import Image
>>> img = Image.new("L", (8, 8), 255)  # white paper ...
>>> img.paste(0, (2, 0, 3, 8))  # ... with a 1-pixel black vertical line at x = 2
>>> buf = io.BytesIO()
>>> img.save(buf, "PNG")
>>> image_to_grid(buf.getvalue(), 4, 4)[0]  # the thin line survives a 2:1 shrink
array([0., 1., 0., 0.])
>>> image_to_grid(buf.getvalue(), 4, 4, threshold=None)[0]
array([0. , 0.5, 0. , 0. ])
>>> image_to_grid(b"hello", 8, 8)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
poolviz.core.checks.PoolvizError: the file is not an image Pillow can read (PNG, JPEG, GIF or WebP)...
"""

from __future__ import annotations

import io
import math
import warnings
from numbers import Real

import numpy as np
from PIL import Image, ImageOps

from poolviz.core import limits
from poolviz.core.checks import PoolvizError
from poolviz.core.patterns import _check_size, quantize_gray

__all__ = ["ALLOWED_FORMATS", "MAX_ASPECT_RATIO", "image_to_grid"]

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
"""Pillow format names accepted; every other format is refused even if Pillow reads it."""

# Pillow reports multi-picture JPEGs (many phone cameras) as "MPO"; the first picture
# is an ordinary JPEG, so they are accepted as JPEG.
_PILLOW_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG", "GIF": "GIF", "WEBP": "WEBP"}

MAX_ASPECT_RATIO = 64
"""Images whose longer side exceeds this many times the shorter side are refused."""

_FORMATS_TEXT = "PNG, JPEG, GIF or WebP"
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_CAP_TEXT = f"at most {limits.MAX_UPLOAD_PIXELS} pixels (4096×4096)"


# --------------------------------------------------------------------------- argument checks


def _check_threshold(threshold: object) -> float | None:
    if threshold is None:
        return None
    if (
        isinstance(threshold, (bool, np.bool_))
        or not isinstance(threshold, (Real, np.floating, np.integer))
        or math.isnan(float(threshold))
        or not 0.0 <= float(threshold) <= 1.0
    ):
        raise PoolvizError(
            f"`threshold` must be None or a number between 0 and 1; got {threshold!r}"
        )
    return float(threshold)


def _check_data(data: object) -> bytes:
    """Check type and byte count before anything is parsed; return the bytes."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise PoolvizError(f"`data` must be the file's bytes; got {type(data).__name__}")
    size = memoryview(data).nbytes
    allowed = f"`data` must be 1 to {limits.MAX_UPLOAD_BYTES} bytes (5 MiB)"
    if size == 0:
        raise PoolvizError(f"the file is empty: {allowed}; got 0 bytes")
    if size > limits.MAX_UPLOAD_BYTES:
        raise PoolvizError(f"the file is too large: {allowed}; got {size} bytes")
    return bytes(data)


# --------------------------------------------------------------------------- decoding


def _bomb(detail: str) -> PoolvizError:
    return PoolvizError(
        f"the image declares too many pixels (possible decompression bomb): "
        f"images may have {_CAP_TEXT}; got {detail}"
    )


def _corrupt(exc: BaseException) -> PoolvizError:
    return PoolvizError(
        "the image file is truncated or corrupt and cannot be decoded; "
        f"got {type(exc).__name__}: {exc}"
    )


def _open(raw: bytes) -> Image.Image:
    """Open (header only) and check format, declared size and aspect ratio."""
    try:
        im = Image.open(io.BytesIO(raw), formats=list(ALLOWED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(str(exc)) from exc
    except Image.UnidentifiedImageError as exc:
        raise PoolvizError(
            f"the file is not an image Pillow can read ({_FORMATS_TEXT}); "
            f"got {len(raw)} bytes starting with {raw[:8]!r}"
        ) from exc
    except Exception as exc:  # malformed headers raise many exception types
        raise _corrupt(exc) from exc
    if im.format not in _PILLOW_FORMATS:
        im.close()
        raise PoolvizError(
            f"the image format is not accepted: `data` must be {_FORMATS_TEXT}; got {im.format}"
        )
    w, h = im.size
    if w < 1 or h < 1:
        im.close()
        raise PoolvizError(f"the image has no pixels; got {w}×{h}")
    if w * h > limits.MAX_UPLOAD_PIXELS:
        im.close()
        raise _bomb(f"{w}×{h} = {w * h} pixels")
    if max(w, h) > MAX_ASPECT_RATIO * min(w, h):
        im.close()
        raise PoolvizError(
            f"the image's aspect ratio is over {MAX_ASPECT_RATIO}:1: its longer side may be "
            f"at most {MAX_ASPECT_RATIO} times its shorter side; got {w}×{h}"
        )
    return im


def _verify_png(raw: bytes) -> None:
    """Walk every chunk with its CRC: refuses truncated PNGs whatever the global flags."""
    with Image.open(io.BytesIO(raw), formats=["PNG"]) as probe:
        probe.verify()


def _sixteen_bit_to_f(im: Image.Image) -> Image.Image:
    """A 16-bit ("I;16*" or "I") gray image as mode "F" in 0..255, transparency on white."""
    raw = np.asarray(im)
    gray = raw.astype(np.float32)  # the one full-size float copy; the rest is in place
    np.clip(gray, 0, 65535, out=gray)
    gray *= np.float32(255 / 65535)
    trns = im.info.get("transparency")
    if isinstance(trns, int):  # a tRNS gray value marks fully transparent pixels
        gray[raw == trns] = 255.0
    return Image.fromarray(gray)


def _to_gray(im: Image.Image) -> Image.Image:
    """Convert a loaded frame to gray ("L" or "F", 0 = black, 255 = white) on white."""
    if im.mode in _SIXTEEN_BIT_MODES:
        return _sixteen_bit_to_f(im)
    has_alpha = im.mode in _ALPHA_MODES or "transparency" in im.info
    if im.mode == "CMYK":
        im = im.convert("RGB")
    if has_alpha:
        rgba = im.convert("RGBA")  # applies a palette/tRNS transparency as alpha
        white = Image.new("L", rgba.size, 255)
        return Image.composite(rgba.convert("L"), white, rgba.getchannel("A"))
    return im.convert("L")


def _decode_gray(raw: bytes, im: Image.Image, side: int) -> Image.Image:
    """Decode the first frame of the opened ``im`` into an upright gray "F" image."""
    try:
        if im.format == "PNG":
            _verify_png(raw)
        if _PILLOW_FORMATS[im.format] == "JPEG":
            im.draft("L", (2 * side, 2 * side))  # DCT-domain downscale, never below 2x grid
        im.load()  # first frame only: nothing here seeks or counts frames
        upright = ImageOps.exif_transpose(im)
        return _to_gray(upright).convert("F")
    except PoolvizError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(str(exc)) from exc
    except MemoryError as exc:
        raise PoolvizError(
            f"the image is too large to decode: images may have {_CAP_TEXT}"
        ) from exc
    except Exception as exc:  # Pillow's decoders raise many exception types on bad data
        raise _corrupt(exc) from exc


def image_to_grid(
    data: bytes,
    height: int,
    width: int,
    threshold: float | None = 0.5,
    invert: bool = True,
) -> np.ndarray:
    """Convert an uploaded PNG/JPEG/GIF/WebP file into a ``(height, width)`` grid.

    Parameters
    ----------
    data : bytes
        The uploaded file's bytes (``bytearray``/``memoryview`` also accepted),
        1 to ``MAX_UPLOAD_BYTES`` long.
    height, width : int
        Grid size, each between 4 and 64.
    threshold : float or None
        With a number in ``[0, 1]``, cells whose ink is ``>= threshold`` become 1.0
        and the rest 0.0. With ``None`` the ink level is kept, quantized to tenths.
    invert : bool
        True (default): dark pixels are ink (``1 - gray / 255``), as users draw dark
        on light. False: light pixels are ink (``gray / 255``).

    Returns
    -------
    numpy.ndarray
        A new float64 grid with values in ``[0, 1]``.

    Raises
    ------
    PoolvizError
        For bad arguments and for every refused file: empty, over 5 MiB, not a PNG,
        JPEG, GIF or WebP, truncated or corrupt, declaring more than 4096×4096
        pixels, or with an aspect ratio over 64:1. See the module docstring.

    Notes
    -----
    The whole image is stretched to the grid (aspect ratio is not preserved) with a
    BOX (area-average) filter, so a thin line contributes its share of every cell it
    crosses instead of being skipped. Only the first frame of an animation is used;
    EXIF orientation is applied; transparent pixels count as white paper.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> Image.new("RGBA", (16, 16), (0, 0, 0, 0)).save(buf, "PNG")  # fully transparent
    >>> image_to_grid(buf.getvalue(), 4, 4).sum()
    np.float64(0.0)
    >>> image_to_grid(buf.getvalue(), 4, 100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `width` must be between 4 and 64; got 100
    """
    h, w = _check_size(height, width)
    thr = _check_threshold(threshold)
    if not isinstance(invert, (bool, np.bool_)):
        raise PoolvizError(f"`invert` must be True or False; got {invert!r}")
    raw = _check_data(data)
    with warnings.catch_warnings():
        # Pillow's UserWarnings ("Corrupt EXIF data", "malformed MPO file") describe the
        # user's file, not our code: keep them out of the server log.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        im = _open(raw)
        try:
            gray = _decode_gray(raw, im, max(h, w))
        finally:
            im.close()
    small = gray.resize((w, h), Image.Resampling.BOX)
    level = np.clip(np.asarray(small, dtype=np.float64) / 255.0, 0.0, 1.0)
    ink = 1.0 - level if invert else level
    if thr is None:
        return quantize_gray(ink)
    return (ink >= thr).astype(np.float64)
