"""IT power of one GPU, itemised: the accelerator, its host's CPUs and memory, the rest of the host
(NICs, NVLink switch trays, fans, power-supply losses), the scale-out network, and spare GPUs.

Nameplate per GPU [W] (``data/gpus.csv``, ``data/facility.csv``)::

    P_IT     = P_gpu + P_cpu_mem + P_host_other + P_net
    P_gpu    = TDP
    P_cpu_mem = min(host CPUs + memory per GPU, P_node - TDP)     x86 hosts (two sockets per 8-GPU
                                                                   board) or Grace (one per 2 GPUs)
    P_host_other = P_node - TDP - P_cpu_mem
    P_net    = scale-out switches and optics per GPU

A fleet also installs ``spare`` idle GPUs per serving GPU (``fleet.spare_share``), each drawing its
idle node power and its network ports: ``P_spare = spare x (P_idle + P_net)`` per serving GPU.
"""

from __future__ import annotations

from typing import Any

from planner.chain.tokens.roofline import row_float

GRACE_DOMAIN_GPUS = 72
"""GPUs whose scale-up domain is this large are NVL72-class racks with Grace CPUs (GB200, GB300)."""


def host_cpu_memory_w(gpu: Any, facility: dict[str, float]) -> float:
    """Host CPUs and memory per GPU at nameplate [W]: the facility catalog's Grace figure for
    NVL72-class racks, its x86 figure otherwise, at most the host's share P_node - TDP."""
    grace = row_float(gpu, "scaleup_domain_gpus") >= GRACE_DOMAIN_GPUS
    item = "host_cpu_memory_w_per_gpu_grace" if grace else "host_cpu_memory_w_per_gpu_x86"
    host = row_float(gpu, "node_w_per_gpu") - row_float(gpu, "tdp_w")
    return max(0.0, min(float(facility[item]), host))


def nameplate_items(gpu: Any, facility: dict[str, float]) -> dict[str, float]:
    """Nameplate IT power per GPU, itemised [W]; the four items sum to P_node + P_net."""
    tdp, node = row_float(gpu, "tdp_w"), row_float(gpu, "node_w_per_gpu")
    cpu_mem = host_cpu_memory_w(gpu, facility)
    return {
        "gpu_watts_per_gpu": tdp,
        "host_cpu_memory_watts_per_gpu": cpu_mem,
        "host_other_watts_per_gpu": node - tdp - cpu_mem,
        "network_watts_per_gpu": row_float(gpu, "network_w_per_gpu"),
    }


def node_shares(gpu: Any, facility: dict[str, float]) -> dict[str, float]:
    """Shares of the node's power (network excluded) [-]: GPU, host CPUs + memory, host other;
    P_x / P_node at nameplate, used to split a measured or modelled node power (estimate: the
    components follow the load together). They sum to 1."""
    items = nameplate_items(gpu, facility)
    node = row_float(gpu, "node_w_per_gpu")
    return {
        "gpu": items["gpu_watts_per_gpu"] / node,
        "host_cpu_memory": items["host_cpu_memory_watts_per_gpu"] / node,
        "host_other": items["host_other_watts_per_gpu"] / node,
    }


def spare_watts_per_gpu(gpu: Any, spare_share: float) -> float:
    """Idle draw of the spare GPUs per serving GPU [W]: spare x (P_idle + P_net)."""
    return spare_share * (row_float(gpu, "idle_w_per_gpu") + row_float(gpu, "network_w_per_gpu"))


def gpu_power_items(catalogs: Any, gpus: list[str]) -> dict[str, dict[str, float]]:
    """Per GPU id: ``network_mw`` (scale-out network per GPU [MW]) and the node shares of
    :func:`node_shares` (``gpu``, ``host_cpu_memory``, ``host_other`` [-]), for itemising a
    fleet's IT power (``tables/pipeline.csv``)."""
    facility = getattr(catalogs, "facility", {}) or {}
    out = {}
    for g in gpus:
        row = catalogs.gpus.loc[g]
        out[g] = {"network_mw": row_float(row, "network_w_per_gpu") / 1e6, **node_shares(row, facility)}
    return out
