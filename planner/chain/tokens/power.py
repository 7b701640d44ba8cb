"""Node power as a function of load, calibrated on MLPerf results with measured system power.

Nameplate all-in node power (``node_w_per_gpu``) sizes the electrical and cooling plant; energy
per token uses what the meter reads while serving. MLPerf systems with power measurement draw a
share s of nameplate at full load (busy), so per GPU

    P(u) = P_idle + (s P_node - P_idle) u          [W], u = load in [0, 1]
    s    = median over the GPU's rows of P_system / (n_gpu P_node)    (all rows' median for a GPU
                                                                        without a measurement)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.chain.tokens.roofline import row_float


def power_rows(catalogs: Any) -> pd.DataFrame:
    """MLPerf rows with a measured system power, with ``busy_share`` = P_system / (n_gpu P_node) [-]
    and ``joules_per_token`` = P_system / system tokens/s [J/token]."""
    b = catalogs.benchmarks
    b = b[(b["system_power_w"].fillna(0) > 0) & b["gpu_id"].isin(catalogs.gpus.index)].copy()
    node = b["gpu_id"].map(catalogs.gpus["node_w_per_gpu"]).astype(float)
    b["busy_share"] = b["system_power_w"] / (b["n_gpu"] * node)
    b["joules_per_token"] = b["system_power_w"] / b["tokens_per_s"]
    return b


def busy_share(catalogs: Any, gpu_id: str) -> float:
    """Measured busy power as a share of nameplate node power for ``gpu_id`` [-]; the median over
    all GPUs' rows without one for it; 1 (nameplate) without any measurement."""
    rows = power_rows(catalogs)
    own = rows[rows["gpu_id"] == gpu_id]
    use = own if len(own) else rows
    return float(use["busy_share"].median()) if len(use) else 1.0


def node_power_w(gpu: Any, load: float, share: float) -> float:
    """P(u) = P_idle + (s P_node - P_idle) u [W] per GPU, ``load`` u in [0, 1], ``share`` s."""
    idle = row_float(gpu, "idle_w_per_gpu")
    busy = max(share * row_float(gpu, "node_w_per_gpu"), idle)
    return idle + (busy - idle) * min(max(load, 0.0), 1.0)
