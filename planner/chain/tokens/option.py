"""One way to serve a GPU x model (:class:`Option`) and a menu of them (:class:`Plan`): what
:func:`planner.chain.tokens.roofline.roofline` chooses from (the single-node replica,
:class:`planner.chain.tokens.roofline.SingleNode`, or the topologies of
:mod:`planner.chain.tokens.topology`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Option:
    """One way to serve a GPU x model at a target with the roofline's own step (e = 1): tokens/s
    per GPU [tokens/s], the (decode) replica's GPUs, its batch [sequences], the mean time between a
    user's tokens and the time to first token without queueing [s], the topology's name, and for
    disaggregated serving the share of GPUs in the prefill pool [-] and its replica size."""

    tokens_per_s_per_gpu: float
    replica_gpus: int
    batch: float
    interval_s: float
    prefill_s: float
    topology: str = "single_node"
    prefill_gpu_share: float = 0.0
    prefill_replica_gpus: int = 0
    prefill_topology: str = ""

    def rank(self) -> tuple[float, int, float]:
        """Order of preference: most tokens/s per GPU, then the larger replica, then batch."""
        return (self.tokens_per_s_per_gpu, self.replica_gpus, self.batch)


class Plan(Protocol):
    """A menu of topologies: its feasible :class:`Option` at a target, and why none is."""

    def options(self, rep: Any, target: Any) -> list[Option]: ...

    def why(self, rep: Any, target: Any, e: float, at: str) -> str: ...
