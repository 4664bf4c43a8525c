"""Caps on everything a user can choose, shared by the core, the URL state and the page.

The page never allocates in proportion to a number it has not checked against these.
"""

MIN_GRID = 4
MAX_GRID = 64  # the core accepts up to this; the page offers up to PAGE_MAX_GRID
PAGE_MAX_GRID = 32
MAX_KERNEL = 7  # the core accepts kernels up to 7x7
PAGE_MAX_KERNEL = 5  # the page's filter editor offers 1x1 .. 5x5
MAX_ABS_WEIGHT = 1000.0  # kernel weights and bias must be finite and within +-this
MAX_STRIDE = 4
MAX_PADDING = 3
MAX_POOL = 4
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # 5 MiB, also server.maxUploadSize in .streamlit/config.toml
MAX_UPLOAD_PIXELS = 4096 * 4096  # images declaring more pixels are refused before decoding
