"""poolviz: exact conv/pool/shift ops and shift-invariance measures, in pure numpy.

The single source of every number the page shows. No Streamlit import anywhere here.

>>> import numpy as np
>>> from poolviz import max_pool2d
>>> max_pool2d(np.arange(16).reshape(4, 4), 2)
array([[ 5.,  7.],
       [13., 15.]])
"""

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import count_distinct, one_pixel_summary, sweep, sweep_shifts
from poolviz.core.ops import (
    aps_choice,
    aps_pool2d,
    avg_pool2d,
    blur_pool2d,
    conv2d,
    global_avg_pool,
    global_max_pool,
    max_pool2d,
    relu,
    shift,
    shift_stack,
)
from poolviz.core.pipeline import (
    Conv,
    GlobalPool,
    Pool,
    ReLU,
    Stage,
    cumulative_strides,
    run_pipeline,
    with_pooling,
    without_pooling,
)
from poolviz.lessons.comparison import (
    WITH_POOLING,
    WITHOUT_POOLING,
    PipelineRun,
    book_example,
    compare,
    standard_pipelines,
)

__all__ = [
    "PoolvizError",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "global_max_pool",
    "global_avg_pool",
    "relu",
    "shift",
    "shift_stack",
    "blur_pool2d",
    "aps_pool2d",
    "aps_choice",
    "Conv",
    "ReLU",
    "Pool",
    "GlobalPool",
    "Stage",
    "run_pipeline",
    "with_pooling",
    "without_pooling",
    "cumulative_strides",
    "sweep",
    "sweep_shifts",
    "one_pixel_summary",
    "count_distinct",
    "compare",
    "standard_pipelines",
    "book_example",
    "PipelineRun",
    "WITH_POOLING",
    "WITHOUT_POOLING",
]
