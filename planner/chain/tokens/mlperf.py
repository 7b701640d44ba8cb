"""MLPerf Inference results as the throughput code reads them: benchmark workloads, names,
versions, the usable rows of ``catalogs.benchmarks`` and the measured server/offline ratio.

Shared by :mod:`planner.chain.tokens.throughput` (measured tokens/s) and
:mod:`planner.chain.tokens.calibration` (fitting the roofline on the same rows).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.chain.tokens.roofline import OFFLINE, Target, Workload, row_float

MLPERF_WORKLOADS: dict[str, Workload] = {
    # output = MLCommons reference tokens_per_sample; input = MLCommons blog means (~ approximate)
    "llama2-70b": Workload(300.0, 294.45),  # OpenOrca, <= 1024 input tokens; input ~
    "mixtral-8x7b": Workload(350.0, 144.84),  # OpenOrca + GSM8K + MBXP; input ~
    "llama3.1-405b": Workload(9400.0, 684.68),  # LongBench, RULER, GovReport subsets
    "llama3.1-8b": Workload(778.0, 73.0),  # CNN/DailyMail
    "deepseek-r1": Workload(800.0, 3880.0),  # AIME, MATH500, GPQA, MMLU-Pro, LiveCodeBench
    # performance set: 6,396 routine low-effort prompts (reasoning_effort low, <= 10,240 output
    # tokens); output mean 1,278.2, std 247 (github.com/mlcommons/inference,
    # compliance/TEST09/README.md, v6.0); input ~ (estimate)
    "gpt-oss-120b": Workload(1000.0, 1278.2),
}


MLPERF_LIMITS: dict[str, dict[str, Target]] = {
    # p99 TTFT / TPOT limits [s] of MLPerf Inference (mlcommons/inference loadgen/mlperf.conf,
    # ``<benchmark>.Server.ttft_latency`` / ``tpot_latency``; interactive = ``<benchmark>-interactive``)
    "llama2-70b": {"server": Target(2.0, 0.200), "interactive": Target(0.450, 0.040)},
    "mixtral-8x7b": {"server": Target(2.0, 0.200)},
    "llama3.1-405b": {"server": Target(6.0, 0.175), "interactive": Target(4.5, 0.080)},
    "llama3.1-8b": {"server": Target(2.0, 0.100), "interactive": Target(0.500, 0.030)},
    "deepseek-r1": {"server": Target(2.0, 0.080), "interactive": Target(1.5, 0.015)},
    # gpt-oss-120b entered MLPerf in v6.0 (2026-04): its limits (mlperf.conf); its v6.0 results are in data/
    "gpt-oss-120b": {"server": Target(3.0, 0.080), "interactive": Target(2.0, 0.015)},
}
MLPERF_SPECULATIVE: dict[tuple[str, str], tuple[str, int]] = {
    # (benchmark, scenario): (first round, draft tokens a step) where the closed division allows
    # speculative decoding: mlcommons/inference_policies inference_rules.adoc, appendix
    # "Speculative Decoding", rules of v6.0 (2026-02-02): DeepSeek-R1 Interactive, EAGLE-style
    # decoding with the model's reference MTP head, speculative-num-steps=3. (gpt-oss-120b
    # Interactive was added to the rules after v6.0, 2026-05: its v6.0 results decode plainly.)
    ("deepseek-r1", "interactive"): ("v6.0", 3),
}
SCENARIOS = ("offline", "server", "interactive")
"""MLPerf scenarios the throughput code reads (interactive = the server scenario at the tighter limits)."""


def scenario_target(workload: str | None, scenario: str) -> Target:
    """Latency limits of an MLPerf scenario for a benchmark: offline = none; server / interactive =
    the benchmark's limits, else llama2-70b's (the reference LLM benchmark)."""
    if scenario == "offline":
        return OFFLINE
    limits = MLPERF_LIMITS.get(str(workload), MLPERF_LIMITS["llama2-70b"])
    return limits.get(scenario, MLPERF_LIMITS["llama2-70b"][scenario])


def workload_for_model(model: Any) -> Workload:
    """The model card's typical request (falls back to its MLPerf benchmark's mean shape)."""
    ref = MLPERF_WORKLOADS.get(mlperf_key(model.get("mlperf_model", "")), Workload(1000.0, 500.0))
    return Workload(
        row_float(model, "typical_input_tokens", ref.input_tokens),
        row_float(model, "typical_output_tokens", ref.output_tokens),
    )


def mlperf_key(name: Any) -> str:
    """MLPerf benchmark name without its accuracy suffix (``llama2-70b-99.9`` -> ``llama2-70b``)."""
    s = str(name).lower() if isinstance(name, str) else ""
    for suffix in ("-99.9", "-99"):
        s = s.removesuffix(suffix)
    return s


def version_key(version: Any) -> tuple[int, ...]:
    """Sortable MLPerf version (``v5.1`` -> (5, 1))."""
    digits = "".join(c if c.isdigit() or c == "." else "" for c in str(version))
    return tuple(int(x) for x in digits.split(".") if x)


def benchmark_rows(catalogs: Any) -> pd.DataFrame:
    """Offline, server and interactive MLPerf rows with a positive per-GPU throughput, scenario
    lower-cased."""
    b = catalogs.benchmarks.copy()
    b["scenario"] = b["scenario"].astype(str).str.lower()
    b["precision"] = b["precision"].astype(str).str.lower().replace({"fp16": "bf16"})
    return b[b["scenario"].isin(list(SCENARIOS)) & (b["tokens_per_s_per_gpu"] > 0)]


def server_offline_ratio(rows: pd.DataFrame, workload: str | None = None) -> float:
    """Median over (gpu, model, version) of median server / median offline tokens/s per GPU [-],
    over the pairs of one MLPerf ``workload`` if given; NaN without such pairs."""
    if workload is not None:
        rows = rows[rows["workload"] == workload]
    med = rows.groupby(["gpu_id", "model_id", "version", "scenario"])["tokens_per_s_per_gpu"].median()
    wide = med.unstack("scenario") if len(med) else pd.DataFrame()
    if not {"server", "offline"} <= set(wide.columns):
        return float("nan")
    ratio = (wide["server"] / wide["offline"]).dropna()
    return float(ratio.median()) if len(ratio) else float("nan")


def speculative_drafts(workload: str | None, scenario: str, version: Any) -> int:
    """Draft tokens a step the MLPerf rules of ``version`` allow a ``workload`` x ``scenario``
    result to decode with (:data:`MLPERF_SPECULATIVE`); 0 = plain decoding [-]."""
    rule = MLPERF_SPECULATIVE.get((str(workload), str(scenario)))
    if rule is None or not version or version_key(version) < version_key(rule[0]):
        return 0
    return rule[1]


def pair_keys(frame: pd.DataFrame) -> list[str]:
    """Columns that fix a result's estimate: GPU, model, precision, workload, scenario, and the
    round (its rules: :func:`speculative_drafts`) when ``frame`` has one."""
    keys = ["gpu_id", "model_id", "precision", "workload", "scenario"]
    return keys + (["version"] if "version" in frame else [])
