"""The frontier chart names its lines: the GPU legend, outside the axes, is in the saved PNG with
or without MLPerf markers (a legend outside the axes used to be cropped off when none were shown)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import planner


def _dark_pixels_right_of_the_axes(png) -> int:
    """Dark pixels to the right of the axes' right spine (the rightmost column that is dark over
    more than a third of the image height: the legends live there)."""
    dark = np.asarray(Image.open(png).convert("L")) < 128
    spine = np.flatnonzero(dark.sum(axis=0) > dark.shape[0] / 3).max()
    return int(dark[:, spine + 2 :].sum())


@pytest.mark.parametrize(("model", "measured"), [("llama-3.1-70b", False), ("llama-2-70b", True)])
def test_the_gpu_legend_is_in_the_png(tmp_path, model, measured):
    out = tmp_path / "curve.png"
    curve = planner.curve(model, ["H200", "B200"], out=out)
    assert (len(curve.points) > 0) == measured
    assert _dark_pixels_right_of_the_axes(out) > 500
