"""The annual-mean IT load of an open site, itemised for ``tables/pipeline.csv``: the serving GPUs'
node power split into GPU, host CPUs + memory and host other (NICs, NVLink switches, fans, PSU
losses), the scale-out network of every installed GPU, and the idle spares."""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs


def _v(x: Any) -> float:
    """Numeric value of a Pyomo expression or number (0 for None)."""
    out = pyo.value(x, exception=False)
    return 0.0 if out is None else float(out)


IT_ITEMS = ("it_gpu_w", "it_host_cpu_memory_w", "it_host_other_w", "it_network_w", "it_spare_w")
"""Columns of the itemised annual-mean IT power in ``tables/pipeline.csv``; they sum to ``it_w``."""


def it_items_w(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> dict[str, float]:
    """Annual-mean IT power of site ``s`` itemised [W], plus ``spare_gpus`` [GPU].

    Per GPU type g with n installed, a allocated at peak (sum over models), node idle power
    I = idle_MW - net_MW and network net_MW per GPU::

        network = sum_g net_g n_g                 every installed GPU's scale-out ports
        spare   = sum_g I_g (n_g - a_g)           GPUs beyond the peak allocation (fleet.spare_share
                                                  spares and block rounding), idle
        serving = sum_g I_g a_g + busy_g          split into GPU, host CPUs + memory and host other by
                                                  the node's nameplate shares (chain.it_power)

    busy_g is the model's busy power of the site (sum of ``busy_power``) split among GPU types in
    proportion to (busy_MW - idle_MW) / tps x served, the terms of its definition. The five items
    sum to the site's ``it_avg`` (idle power of every installed GPU + busy power).
    """
    fleet = m.fleet
    busy_total = sum(_v(fleet.busy_power[k, c]) for k in fleet.SM if k[0] == s for c in inp.coolings)
    weight = {
        g: sum(
            (inp.gpu_busy_mw[g] - inp.gpu_idle_mw[g]) / inp.tps[g, mod] * _v(fleet.served[s2, g, mod])
            for (s2, g2, mod) in fleet.SGM
            if s2 == s and g2 == g
        )
        for g in inp.gpus
    }
    scale = busy_total / sum(weight.values()) if sum(weight.values()) > 0 else 0.0
    out = dict.fromkeys((*IT_ITEMS, "spare_gpus"), 0.0)
    for g in inp.gpus:
        n = _v(fleet.n_gpu[s, g])
        alloc = sum(_v(fleet.alloc[k]) for k in fleet.SGM if k[0] == s and k[1] == g)
        items = inp.gpu_power[g]
        idle_node = inp.gpu_idle_mw[g] - items["network_mw"]
        serving = (idle_node * alloc + weight[g] * scale) * 1e6
        out["it_gpu_w"] += serving * items["gpu"]
        out["it_host_cpu_memory_w"] += serving * items["host_cpu_memory"]
        out["it_host_other_w"] += serving * items["host_other"]
        out["it_network_w"] += items["network_mw"] * n * 1e6
        out["it_spare_w"] += idle_node * (n - alloc) * 1e6
        out["spare_gpus"] += n - alloc
    return out
