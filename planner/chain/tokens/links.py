"""Links between the GPUs of a serving replica: scale-up (NVLink, Infinity Fabric) and scale-out
(the RDMA network between nodes), bandwidth per GPU and direction [B/s] and the fixed latency of
one collective message [s].

A catalog column wins where the GPU catalog has one (``scaleup_gb_per_s`` / ``nvlink_gb_per_s`` /
``scaleup_bw_gb_per_s``; ``scaleout_gb_per_s``); otherwise the tables below, by GPU id, give the
vendors' figures; a GPU in neither gets the fallback (a future GPU row without the column).
"""

from __future__ import annotations

from typing import Any

from planner.chain.tokens.fields import row_float

SCALEUP_GB_PER_S: dict[str, float] = {
    # per GPU and direction, when the GPU catalog has no column for it [GB/s]: NVLink 4 (Hopper)
    # 450, NVLink 5 (Blackwell) 900 (NVIDIA); Infinity Fabric 7 x 64 = 448, MI355X 7 x 76.8 = 538
    # (AMD); Gaudi 3 21 x 200 GbE = 525 (Intel); L40S PCIe Gen4 x16 32.
    "H100": 450,
    "H200": 450,
    "B200": 900,
    "GB200": 900,
    "B300": 900,
    "GB300": 900,
    "MI300X": 448,
    "MI325X": 448,
    "MI355X": 538,
    "Gaudi3": 525,
    "L40S": 32,
}
SCALEUP_FALLBACK_GB_PER_S = 450.0
"""Scale-up bandwidth of a GPU in neither the catalog column nor :data:`SCALEUP_GB_PER_S` [GB/s]."""
SCALEOUT_GB_PER_S: dict[str, float] = {
    # scale-out (RDMA: InfiniBand / RoCE) NIC bandwidth per GPU and direction [GB/s], as the
    # vendors' reference systems ship (one NIC per GPU): DGX H100 / H200 / B200 8 x ConnectX-7
    # 400 Gb/s = 50; GB200 NVL72 compute tray 4 x ConnectX-7 400 Gb/s per 4 GPUs = 50; B300 /
    # GB300 ConnectX-8 800 Gb/s = 100 (NVIDIA product pages, 2025); MI300X / MI325X / MI355X
    # platforms 8 x 400 Gb/s NICs (AMD Instinct platform briefs; Pollara 400) = 50; Gaudi 3
    # 3 of its 24 x 200 GbE ports for scale-out = 75 (Intel Gaudi 3 white paper); L40S: estimate,
    # one 200 Gb/s NIC per two PCIe GPUs = 12.5.
    "H100": 50,
    "H200": 50,
    "B200": 50,
    "GB200": 50,
    "B300": 100,
    "GB300": 100,
    "MI300X": 50,
    "MI325X": 50,
    "MI355X": 50,
    "Gaudi3": 75,
    "L40S": 12.5,
}
SCALEOUT_FALLBACK_GB_PER_S = 50.0
"""Scale-out bandwidth of a GPU in neither the catalog column nor :data:`SCALEOUT_GB_PER_S`
(one 400 Gb/s NIC per GPU, the common build since 2023) [GB/s]."""
ALL_TO_ALL_EFFICIENCY = 0.8
"""Achieved share of a link's bandwidth in the expert all-to-all (dispatch and combine) [-].
DeepEP's kernel benchmarks (github.com/deepseek-ai/DeepEP, docs/legacy.md, V1, 2025): H800 with a
CX7 400 Gb/s NIC (~50 GB/s), 128 tokens, 7168 hidden, top-8, fp8 dispatch / bf16 combine, EP 64 to
256: dispatch 39-43 GB/s, combine 39-46 GB/s (0.78-0.92 of the NIC); README, V2, 2026: B200 NVLink
EP 8 726-740 GB/s of 900 (0.81). Communication kernel bandwidth, not an inference throughput."""
SCALEUP_MESSAGE_S = 5e-6
"""Fixed latency of one collective message (dispatch or combine of one layer) inside a scale-up
domain [s]. Estimate: NVLink / Infinity Fabric small-message collectives take a few us (the same
~5 us as the per-layer collectives of :class:`planner.chain.tokens.roofline.StepCost`)."""
SCALEOUT_MESSAGE_S = 15e-6
"""Fixed latency of one collective message across the scale-out network [s]. Estimate: RDMA over
InfiniBand / RoCE, a few us on the wire and switches plus GPU-initiated send, signalling and
synchronisation of n peers (GPU-initiated all-to-all kernels, ~10-20 us at small messages)."""


def scaleup_bytes_per_s(gpu: Any) -> float:
    """Scale-up (NVLink-class) bandwidth per GPU and direction [B/s]."""
    for col in ("scaleup_gb_per_s", "nvlink_gb_per_s", "scaleup_bw_gb_per_s"):
        if row_float(gpu, col) > 0:
            return row_float(gpu, col) * 1e9
    return SCALEUP_GB_PER_S.get(str(getattr(gpu, "name", "")), SCALEUP_FALLBACK_GB_PER_S) * 1e9


def scaleout_bytes_per_s(gpu: Any) -> float:
    """Scale-out (RDMA network) bandwidth per GPU and direction [B/s]."""
    if row_float(gpu, "scaleout_gb_per_s") > 0:
        return row_float(gpu, "scaleout_gb_per_s") * 1e9
    return SCALEOUT_GB_PER_S.get(str(getattr(gpu, "name", "")), SCALEOUT_FALLBACK_GB_PER_S) * 1e9


def domain_gpus(gpu: Any) -> int:
    """GPUs of one scale-up domain (``scaleup_domain_gpus``: 8 for an HGX node, 72 for NVL72) [-]."""
    return max(int(row_float(gpu, "scaleup_domain_gpus", 8)), 1)
