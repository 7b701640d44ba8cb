"""Announced GPUs (issue 21): roofline estimates only, never lower for a part that betters another
of its family in every catalog figure, and their note names the family held out."""

from __future__ import annotations

import pytest

from planner.chain.tokens.corrections import gpu_family
from planner.chain.tokens.throughput import throughput

SPEC = [
    "dense_bf16_tflops",
    "dense_fp8_tflops",
    "dense_fp4_tflops",
    "hbm_gb",
    "hbm_tb_per_s",
    "scaleup_domain_gpus",
]


@pytest.mark.parametrize("small,big", [("R200", "VR200"), ("VR200", "VR300")])
def test_a_better_rubin_is_never_estimated_lower(catalogs, small, big) -> None:  # type: ignore[no-untyped-def]
    gpus = catalogs.gpus
    assert gpu_family(small) == gpu_family(big) == "Rubin"
    assert (gpus.loc[big, SPEC] >= gpus.loc[small, SPEC]).all()
    for m in catalogs.models.index:
        lo = throughput(small, m, catalogs)
        hi = throughput(big, m, catalogs, precision=lo.precision)
        assert hi.tokens_per_s_per_gpu >= lo.tokens_per_s_per_gpu * (1 - 1e-9), (small, big, m)


def test_announced_parts_are_estimates_with_the_family_held_out(catalogs) -> None:  # type: ignore[no-untyped-def]
    for g in ("VR200", "R200", "VR300", "MI455X"):
        assert not (catalogs.benchmarks["gpu_id"] == g).any()
        tp = throughput(g, "llama-3.1-8b", catalogs)
        assert tp.source == "estimate" and tp.tokens_per_s_per_gpu > 0
        assert "with the family held out" in tp.note, (g, tp.note)
