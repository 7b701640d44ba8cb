"""Weight GEMMs of one decode step: a roofline per group of GEMMs with the same token count.

A roofline holds per kernel (Williams et al. 2009): a GEMM of m tokens on a weight matrix of P
parameters takes max(P b / BW, 2 m P / R). Summing bytes and FLOPs over all GEMMs first and
taking one max is exact only when every GEMM has the same arithmetic intensity, 2 m / b FLOP/B.
In a mixture-of-experts model it has not: the weights every token multiplies (attention
projections, shared experts, dense layers, LM head) see all B tokens of the step, a routed expert
only the ~B k / E tokens sent to it, so at a batch where the shared GEMMs are compute-bound the
expert GEMMs are still memory-bound. The step's weight time is then the sum of two rooflines

    t_lin(B) = max(P_s b / BW, 2 B P_s / R) + max(P_e E_t(B) b / BW, 2 B k P_e / R)
    E_t(B)   = E (1 - (1 - k/E)^B)           expected routed experts touched by B tokens

with P_s the shared parameters, P_e those of one routed expert (both from the model card:
P_e = (N_total - N_active) / (E - k), P_s = N_total - E P_e), BW and R the replica's achieved HBM
bandwidth and FLOP/s. Experts are taken as spread evenly over the replica's GPUs (tensor-parallel
inside each expert, or expert-parallel with balanced routing), so each GPU carries 1/n of both
terms. A dense model has P_e = 0 and t_lin = max(W / BW, 2 B N_active / R), as before.
Both terms are non-decreasing in B and non-increasing in BW and R.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.chain.tokens.fields import row_float


@dataclass(frozen=True)
class LinearSplit:
    """Parameters of a model's weight GEMMs split by the tokens they see [parameters, -]."""

    shared_params: float  # P_s: parameters every token multiplies (all of a dense model's)
    shared_active: float  # parameters of P_s a token multiplies (N_active of a dense model)
    expert_params: float  # P_e: parameters of one routed expert (0 for a dense model)
    experts: float  # E: routed experts
    active_experts: float  # k: routed experts per token

    def touched(self, batch: float) -> float:
        """Expected routed experts a step of ``batch`` tokens touches, E (1 - (1 - k/E)^B) [-]."""
        if self.experts <= 0:
            return 0.0
        return self.experts * (1.0 - (1.0 - self.active_experts / self.experts) ** max(batch, 1.0))

    def read_bytes(self, bytes_per_param: float, batch: float) -> float:
        """Weight bytes a step of ``batch`` tokens streams, (P_s + P_e E_t(B)) b [B]."""
        return (self.shared_params + self.expert_params * self.touched(batch)) * bytes_per_param

    def step_s(self, batch: float, bytes_per_param: float, bw: float, flop_per_s: float) -> float:
        """t_lin(B) of the module docstring [s]: ``bw`` [B/s] and ``flop_per_s`` [FLOP/s] of the
        replica (n GPUs)."""
        shared = max(self.shared_params * bytes_per_param / bw, 2.0 * batch * self.shared_active / flop_per_s)
        if self.expert_params <= 0:
            return shared
        routed = 2.0 * batch * self.active_experts * self.expert_params / flop_per_s
        return shared + max(self.expert_params * self.touched(batch) * bytes_per_param / bw, routed)


def linear_split(model: Mapping[str, Any]) -> LinearSplit:
    """:class:`LinearSplit` of a model card row: a MoE card (``architecture: moe`` with
    0 < active_experts < experts) splits N_total into shared and routed experts, anything else is
    dense (shared = N_total, active = N_active) [parameters]."""
    total, active = row_float(model, "total_params_b") * 1e9, row_float(model, "active_params_b") * 1e9
    e, k = row_float(model, "experts"), row_float(model, "active_experts")
    if str(model.get("architecture", "dense")) != "moe" or not 0 < k < e:
        return LinearSplit(total, active, 0.0, 0.0, 0.0)
    per_expert = (total - active) / (e - k)
    shared = max(total - e * per_expert, 0.0)
    return LinearSplit(shared, shared, per_expert, e, k)
