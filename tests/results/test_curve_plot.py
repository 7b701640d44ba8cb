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


def test_chart_states_shape_and_ttft_and_pairs_each_result_with_its_estimate(catalogs):
    """llama-2-70b in USD per million tokens: the title names the unit, the card's request and
    TTFT; beside every MLPerf median there is an estimate bar at the same per-user rate (within the
    sideways spread) and at the estimate at the result's own conditions, in the chart's units."""
    import matplotlib.pyplot as plt

    from planner.results.curve_plot import SPREAD, curve_figure

    view = planner.curve("llama-2-70b", ["H200", "B200"], y="usd-per-mtok", catalogs=catalogs)
    fig = curve_figure(view)
    try:
        ax = fig.axes[0]
        card = catalogs.models.loc["llama-2-70b"]
        title = ax.get_title()
        assert title.startswith("llama-2-70b: USD per million output tokens (lower is better)")
        assert (
            f"{card['typical_input_tokens']:,.0f} in / {card['typical_output_tokens']:,.0f} out tokens, "
            f"prefix hit 0%, TTFT {card['serving_ttft_ms']:,.0f} ms" in title
        )
        assert ax.get_xscale() == ax.get_yscale() == "log" and "USD per million" in ax.get_ylabel()
        bars = [line for line in ax.get_lines() if line.get_marker() == "_"]
        at = [(float(b.get_xdata()[0]), float(b.get_ydata()[0])) for b in bars]
        m = view.measured
        assert len(bars) == len(m) > 0
        for r in m.itertuples():
            near = [y for x, y in at if abs(np.log10(x / r.tokens_per_s_per_user)) <= 6 * SPREAD]
            assert any(y == pytest.approx(r.estimate_y) for y in near), r
        assert "USD/MWh" in " ".join(t.get_text() for t in fig.texts)  # the basis under the axes
    finally:
        plt.close(fig)


def test_every_gpu_has_its_own_style_for_many_gpus():
    """Fourteen GPUs (the catalog with next-generation parts): colours distinct for the first ten,
    and no two GPUs share colour, dash and marker; markers never those of the MLPerf scenarios."""
    from planner.results.curve_style import SCENARIO_MARKERS, gpu_styles

    styles = gpu_styles([f"G{i}" for i in range(14)])
    assert len({s.colour for s in list(styles.values())[:10]}) == 10
    assert len(set(styles.values())) == 14
    assert len({s.marker for s in styles.values()}) == 12
    assert not {s.marker for s in styles.values()} & set(SCENARIO_MARKERS.values())
