"""Short labels that name a plan by what sets it apart from the others of a study.

A Pareto frontier or a set of near-optimal alternatives usually differs in a few things only:
which sites are open, which energy technology leads the supply, which GPUs are bought.
Labelling every point "grid 50%, pv 50%" hides that; :func:`distinguishing_labels` labels each
plan with the parts (sites / leading energy / GPU mix) that vary across the plans given, in
that order, and falls back to the leading energy when nothing varies.

A plan is described by its ``summary.json`` fields ``sites`` (list of open site ids),
``energy_mix_share`` (technology -> share of supply [-]) and ``gpus`` (GPU type -> count).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

PARTS = ("sites", "energy", "gpus")
"""The parts of a label, in the order they are written."""


def leading_energy(mix: Mapping[str, float]) -> str:
    """``{"ngcc": 0.62, "wind": 0.38}`` -> ``"ngcc 62%"`` (the largest share; '' for none)."""
    if not mix:
        return ""
    tech, share = max(mix.items(), key=lambda kv: (kv[1], kv[0]))
    return f"{tech} {share:.0%}"


def gpu_mix(gpus: Mapping[str, float], top: int = 2) -> str:
    """``{"B200": 880, "H100": 64}`` -> ``"B200 880, H100 64"`` (the ``top`` largest counts)."""
    parts = sorted(((g, n) for g, n in gpus.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))[:top]
    return ", ".join(f"{g} {int(round(n)):,}" for g, n in parts)


def site_list(sites: Sequence[str]) -> str:
    """``["dfw_tx", "abilene_tx"]`` -> ``"abilene_tx+dfw_tx"`` (sorted; '' for none)."""
    return "+".join(sorted(sites))


def plan_parts(summary: Mapping[str, Any] | None) -> dict[str, str]:
    """The three label parts of one plan (empty strings for a plan that was not solved)."""
    summary = summary or {}
    return {
        "sites": site_list(summary.get("sites") or []),
        "energy": leading_energy(summary.get("energy_mix_share") or {}),
        "gpus": gpu_mix(summary.get("gpus") or {}),
    }


def _leader(part: str, text: str) -> str:
    """What a part compares on: the leading technology (not its share), the GPU types (not counts)."""
    if part == "energy":
        return text.split(" ")[0]
    if part == "gpus":
        return ",".join(sorted(p.split(" ")[0] for p in text.split(", ") if p))
    return text


def distinguishing_labels(summaries: Sequence[Mapping[str, Any] | None]) -> list[str]:
    """One label per plan naming the parts that differ across ``summaries``: the site set, the
    leading energy technology, the GPU types bought (each part shown only when it is not the same
    for every solved plan; the leading energy when nothing differs). '' for an unsolved plan."""
    parts = [plan_parts(s) for s in summaries]
    solved = [p for p, s in zip(parts, summaries) if s]
    varying = [k for k in PARTS if len({_leader(k, p[k]) for p in solved}) > 1] or ["energy"]
    return [" | ".join(p[k] for k in varying if p[k]) if s else "" for p, s in zip(parts, summaries)]
