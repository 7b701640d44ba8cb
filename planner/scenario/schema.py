"""The scenario language: a pydantic v2 schema for the YAML files in `scenarios/`.

Every field has a docstring; the schema doubles as the reference of the scenario format
(docs/scenario.md). Unknown keys are errors (``extra="forbid"``); loading,
``extends:`` merging, YAML line numbers and catalog cross-checks live in
:mod:`planner.scenario.load`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.catalogs.schemas import Plain  # ids: no control characters (CR, LF, ESC)

Objective = Literal["cost", "carbon"]
TimeMode = Literal["annual", "representative_days"]
Redundancy = Literal["none", "n+1", "2n"]
WaterStress = Literal["low", "low_medium", "medium_high", "high", "extremely_high"]


class StrictModel(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=True)


class ServedDemand(StrictModel):
    """One demand stream: tokens/s of one served model wanted in one region."""

    region: Plain
    """Demand region id from ``data/regions.csv`` (e.g. ``us-east``)."""
    model: Plain
    """Served model id from ``models/`` (e.g. ``llama-3.1-70b``)."""
    tokens_per_s: float = Field(gt=0, le=1e12)
    """Average generated (output) tokens per second, the MLPerf convention [tokens/s]."""
    latency_ms: float | None = Field(default=None, gt=0, le=10_000)
    """Round-trip network budget for this stream [ms]; overrides ``demand.latency_ms``."""


class Demand(StrictModel):
    """What must be served, where, and how fast."""

    served: list[ServedDemand] = Field(min_length=1)
    """Demand streams (region x model)."""
    latency_ms: dict[str, Annotated[float, Field(gt=0, le=10_000)]] = Field(default_factory=dict)
    """Round-trip network latency budget per served model [ms]; models not listed use
    ``default_latency_ms``. Round trip = 2 x great-circle km x route factor / fibre km/ms."""
    default_latency_ms: float = Field(default=50.0, gt=0, le=10_000)
    """Budget for models absent from ``latency_ms`` [ms]."""
    peak_to_average: float = Field(default=1.25, ge=1.0, le=5.0)
    """Ratio of peak to average demand: the GPU fleet is sized for the peak, energy for the
    average (idle GPUs draw idle power) [-]."""
    scale: float = Field(default=1.0, gt=0, le=1000)
    """Multiplier on every stream's tokens/s (for sweeps) [-]."""
    start_year: int | None = Field(default=None, ge=1990, le=2200)
    """Year construction starts (notice to proceed, 1 January) and the base year of the capex
    spend schedule; ``null`` = the year in the scenario name (``us_inference_2027`` -> 2027),
    else the current year. Every asset is in service in year start + floor(lead time)."""
    online_year: int | None = Field(default=None, ge=1990, le=2200)
    """Year by which the capacity must be serving; ``null`` = no deadline (lead times then only
    reach the capex schedule). A site may serve a stream only if its building, GPUs and power
    are in service by that year (a grid connection that arrives later needs a priced bridge)."""
    online_year_by: dict[str, Annotated[int, Field(ge=1990, le=2200)]] = Field(default_factory=dict)
    """Online year per demand region id or served model id, overriding ``online_year``
    (a model entry wins over a region entry), e.g. ``{us-west: 2029, llama-3.1-405b: 2031}``."""
    growth: dict[int, Annotated[float, Field(gt=0, le=1)]] = Field(default_factory=dict)
    """Phased build-out: share of every stream's tokens/s that must be served by each year, e.g.
    ``{2029: 0.5, 2031: 1.0}`` (a few years; shares rising to 1.0 in the last year). Each open
    site comes into service in one of these years and serves from then on; the last year is
    every stream's online year (replaces ``online_year`` and ``online_year_by``)."""

    @model_validator(mode="after")
    def _growth(self) -> Demand:
        if not self.growth:
            return self
        if self.online_year is not None or self.online_year_by:
            raise ValueError("growth sets the online years: remove online_year and online_year_by")
        years = sorted(self.growth)
        shares = [self.growth[y] for y in years]
        if len(years) > 5:
            raise ValueError(f"growth: at most 5 years (got {len(years)}); a first step, not a pathway")
        if shares[-1] != 1.0 or any(a > b for a, b in zip(shares, shares[1:])):
            raise ValueError(f"growth: shares must rise to 1.0 in the last year (got {self.growth})")
        return self


class SiteSelection(StrictModel):
    """Which candidate sites from ``data/sites.csv`` the model may open."""

    include: Literal["all"] | list[str] = "all"
    """``all`` or a list of site ids."""
    exclude: list[str] = Field(default_factory=list)
    """Site ids removed after ``include`` and the filters."""
    countries: list[str] | None = None
    """Keep only sites in these ISO-2 countries (e.g. ``[US]``)."""
    max_water_stress: WaterStress | None = None
    """Drop sites whose water stress is above this level."""
    min_campus_mw: float | None = Field(default=None, ge=0)
    """Drop sites whose campus can host less IT [MW]."""
    overrides: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Per-site numeric overrides of catalog columns, e.g.
    ``{abilene_tx: {campus_mw_max: 300, electricity_price_usd_per_mwh: 55}}``."""
    add: list[dict[str, Any]] = Field(default_factory=list)
    """Candidate sites added inline, each a mapping with the columns of a ``data/sites.csv`` row
    (``site_id``, ``name``, ``lat``, ``lon``, ... ``source``, ``confidence``; see data/README.md),
    checked as a ``sites.csv`` row is; its id must be new. Filters, ``include`` / ``exclude`` and
    ``overrides`` see them like catalog sites."""


class Technologies(StrictModel):
    """The menu the optimiser may choose from (ids from the catalogs); ``null`` = all."""

    energy: list[str] | None = None
    """Energy technology ids from ``data/energy.csv`` (``grid``, ``pv``, ``battery`` ...)."""
    gpus: list[str] | None = None
    """GPU ids from ``data/gpus.csv``."""
    gpu_status: Literal["shipping", "any"] = "any"
    """``shipping`` keeps only GPUs in volume delivery (``gpus.csv`` ``status``), leaving out parts
    known only from their vendor's announcement; ``any`` allows both."""
    cooling: list[str] | None = None
    """Cooling ids from ``data/cooling.csv``."""


class Policy(StrictModel):
    """Optional policy constraints; ``null`` switches one off."""

    carbon_cap_t_per_yr: float | None = Field(default=None, ge=0)
    """Cap on annual emissions (operational + upstream + annualised embodied) [tCO2e/yr]."""
    clean_energy_share: float | None = Field(default=None, ge=0, le=1)
    """Annual share of facility energy from carbon-free supply (on-site PV, wind, nuclear,
    geothermal, and the grid's clean share) [-]: annual matching."""
    hourly_cfe_share: float | None = Field(default=None, ge=0, le=1)
    """24/7 carbon-free energy: at every open site, the hour-weighted share of facility load
    met in the same hour by carbon-free supply (on-site PV, wind, nuclear, geothermal, net
    battery discharge, and the grid's clean share) [-]. Needs ``time.mode:
    representative_days``."""
    min_sites: int = Field(default=1, ge=1, le=100)
    """Open at least this many sites (resilience)."""
    max_sites: int | None = Field(default=None, ge=1, le=100)
    """Open at most this many sites."""
    max_share_per_site: float = Field(default=1.0, gt=0, le=1)
    """No site may hold more than this share of the fleet [-], counted on ``max_share_basis``."""
    max_share_basis: Literal["tokens", "gpus", "it_mw"] = "tokens"
    """What ``max_share_per_site`` counts: ``tokens`` (a site's average tokens/s against total
    demand), ``gpus`` (its installed GPUs against the fleet's) or ``it_mw`` (its IT capacity
    against the fleet's)."""
    site_loss_coverage: float | None = Field(default=None, ge=0, le=1)
    """Losing a campus: for every open site, the other open sites can carry at least this
    share of every demand stream's peak tokens/s with their installed GPUs (re-allocated
    between models, within the latency budget times ``site_loss_latency_factor``) [-];
    ``null`` = off (``tables/site_loss.csv`` reports the shares either way)."""
    site_loss_latency_factor: float = Field(default=1.0, ge=1, le=10)
    """Multiplier on every latency budget when a campus is lost (a degraded service may
    reach farther sites) [-]; used by ``site_loss_coverage`` and ``tables/site_loss.csv``."""
    enforce_water_limits: bool = True
    """Bound each site's consumptive water by its catalog ``water_limit_ml_per_yr``."""
    power_redundancy: Redundancy = "n+1"
    """Firm supply at every open site with one unit out: ``none`` (firm supply covers the peak),
    ``n+1`` (the peak facility load is still covered with the grid tie or the largest generating
    unit out), ``2n`` (n+1, and the firm supply is at least twice the peak). On-site backup
    gensets (priced, emitting only in test hours) count as firm supply for the contingency."""

    @model_validator(mode="after")
    def _sites_order(self) -> Policy:
        if self.max_sites is not None and self.max_sites < self.min_sites:
            raise ValueError(f"max_sites ({self.max_sites}) must be >= min_sites ({self.min_sites})")
        return self


class Finance(StrictModel):
    """Finance overrides; ``null`` keeps the catalog value (``data/finance.csv``)."""

    wacc: float | None = Field(default=None, ge=0, le=0.5)
    """Real weighted average cost of capital for every asset [-]; overrides per-tech WACCs."""
    gpu_life_years: float | None = Field(default=None, gt=0, le=20)
    """Economic life of GPU systems [years]."""
    building_life_years: float | None = Field(default=None, gt=0, le=100)
    """Life of building shell [years]."""


class Prices(StrictModel):
    """Price overrides and scalings (for sensitivities and sweeps)."""

    gas_price_usd_per_mmbtu: float | None = Field(default=None, ge=0, le=100)
    """Replace every site's gas price [USD/MMBtu HHV]."""
    gas_price_scale: float = Field(default=1.0, ge=0, le=100)
    """Multiply gas prices [-]."""
    electricity_price_scale: float = Field(default=1.0, ge=0, le=100)
    """Multiply grid electricity prices [-]."""
    gpu_price_scale: float = Field(default=1.0, ge=0, le=100)
    """Multiply GPU system prices [-]."""
    cost_case: Literal["market", "atb"] = "market"
    """Capital costs of power plants: ``market`` (2025 market figures: utility filings, BNEF,
    EIA; ``data/energy.csv`` ``capex_usd_per_kw``) or ``atb`` (NREL ATB 2025 moderate,
    ``capex_atb_usd_per_kw``, lower for gas plants in the turbine shortage)."""
    grid_tariff: Literal["as_billed", "retail_average"] = "as_billed"
    """Grid power as billed: ``as_billed`` (``data/tariffs.csv``: the tariff's energy component as
    the mean hourly price, capacity and transmission charges on the coincident-peak import, demand
    and standby charges on the tie, minimum demand where published) or ``retail_average`` (the
    EIA industrial average ``electricity_price_usd_per_mwh`` shaped hourly, no other charge)."""


class Fleet(StrictModel):
    """GPU fleet assumptions beyond the catalog."""

    spare_share: float = Field(default=0.03, ge=0, le=1)
    """Spare GPUs installed per GPU allocated to serving [-] (hot spares covering failed GPUs
    under repair; they draw idle power). Default 0.03: Meta's Llama 3 405B run saw 256
    GPU/HBM-caused interruptions in 54 days on 16,384 H100s (Llama 3 paper, Jul-2024), ~10.6%
    of GPUs per year; each takes its 8-GPU node out for ~2 weeks (estimate):
    0.106 x 8 x 14 / 365 = 3.3%."""


class TimeOptions(StrictModel):
    """How the year is represented."""

    mode: TimeMode = "annual"
    """``annual``: one slice of 8760 h at average capacity factors (screening);
    ``representative_days``: N typical 24-hour days with weights."""
    days: int = Field(default=4, ge=1, le=365)
    """Number of representative days (``representative_days`` mode)."""
    extremes: list[Literal["peak_demand", "lowest_pv", "lowest_wind"]] = Field(
        default_factory=lambda: ["peak_demand"]
    )
    """Calendar days kept as their own representative days (counted within ``days``): the
    day of highest demand, of lowest PV output, of lowest wind output (averaged over sites)."""
    annual_variable_share_max: float = Field(default=0.5, ge=0, le=1)
    """Annual mode only: the most of each site's facility energy that PV and wind together may
    supply [-]. One annual slice at mean capacity factors would otherwise let them serve a flat
    load as if firm. Default 0.5 (estimate): hour-by-hour, wind + PV without storage serve
    about half of a flat load before curtailment rises steeply (24/7 CFE studies: Xu et al.,
    Princeton ZERO Lab 2021; Riepin & Brown, TU Berlin 2024). Use ``representative_days``
    for the hourly answer."""
    link_storage: bool = False
    """Link battery state of charge across the year through the chronological sequence of
    representative days (Kotzur et al. 2018), so storage can move energy between days (for
    long-duration storage); ``false`` (default, right for Li-ion of a few hours) makes each
    representative day cyclic on its own."""

    @model_validator(mode="after")
    def _room_for_extremes(self) -> TimeOptions:
        """Each extreme day is its own representative day, so ``days`` must leave one more for the
        rest of the year; with fewer, tsam would drop the extreme (the peak day: a fleet too small)."""
        if self.mode == "representative_days" and self.extremes and self.days < len(set(self.extremes)) + 1:
            raise ValueError(
                f"days {self.days} is too few for extremes {list(dict.fromkeys(self.extremes))}: "
                f"need at least {len(set(self.extremes)) + 1} (one per extreme day plus one typical day), "
                "or set extremes: []"
            )
        return self


class SolverOptions(StrictModel):
    """HiGHS options."""

    time_limit_s: float = Field(default=120.0, gt=0, le=86_400)
    """Wall-clock limit of the MIP solve [s]."""
    mip_gap: float = Field(default=0.01, ge=0, le=1)
    """Relative MIP gap at which to stop [-]."""
    threads: int = Field(default=2, ge=1, le=256)
    """Solver threads."""
    node_limit: int | None = Field(default=None, ge=0)
    """Branch-and-bound node limit (reproducible stopping, used by tests)."""
    random_seed: int = Field(default=0, ge=0)
    """HiGHS random seed."""
    verbose: bool = False
    """Echo the HiGHS log to the terminal (it always goes to solver.log)."""


class ServingTarget(StrictModel):
    """Latency a served model promises its users (p99); unset fields take the model card's value."""

    ttft_ms: float | None = Field(default=None, gt=0, le=600_000)
    """Time to first token [ms]."""
    tpot_ms: float | None = Field(default=None, gt=0, le=60_000)
    """Time per output token [ms]; 1000 / tpot_ms = tokens/s per user."""


class RequestShape(StrictModel):
    """Mean request shape of a served model; unset fields take the model card's value."""

    isl: float | None = Field(default=None, ge=1, le=10_000_000)
    """Mean input tokens per request [tokens]."""
    osl: float | None = Field(default=None, ge=1, le=10_000_000)
    """Mean output tokens per request [tokens]."""
    prefix_hit: float | None = Field(default=None, ge=0, lt=1)
    """Share of input tokens served from a prefix / KV cache, skipping prefill [-]."""


Topology = Literal["single_node", "ep_domain", "ep_multinode", "disaggregated", "mtp"]


class PhysicsOptions(StrictModel):
    """Assumptions of the physics chain."""

    throughput: Literal["auto", "estimate"] = "auto"
    """``auto``: MLPerf measurement where one exists, else the roofline estimate;
    ``estimate``: the roofline estimate for every GPU x model pair."""
    bits_erased_per_flop: float | None = Field(default=None, gt=0, le=1e6)
    """Bits erased per FLOP for the Landauer comparison; ``null`` = catalog default."""
    serving_targets: dict[str, ServingTarget] = Field(default_factory=dict)
    """Latency target per served model id (``{llama-3.1-70b: {ttft_ms: 450, tpot_ms: 40}}``); models
    not listed use their card's ``serving_ttft_ms`` / ``serving_tpot_ms``. Tokens/s per GPU is the
    throughput at that target, so the fleet is sized on it."""
    precision: dict[str, Literal["fp4", "fp8", "bf16"]] = Field(default_factory=dict)
    """Weight precision pinned per served model id; default: the lowest precision each GPU runs
    natively that the model card allows (``min_precision``)."""
    throughput_basis: Literal["median", "conservative"] = "median"
    """Tokens/s per GPU the fleet is sized on for roofline-estimated pairs: ``median`` (the
    calibrated estimate) or ``conservative`` (the estimate x (1 - shortfall), the shortfall that
    leave-one-GPU-out held-out MLPerf pairs stayed within at ``conservative_quantile``); measured
    pairs are unchanged. The summary reports the GPUs the plan needs on both."""
    conservative_quantile: float = Field(default=0.8, ge=0.5, le=0.99)
    """Share of held-out MLPerf pairs the conservative throughput covers [-] (0.8 = p80)."""
    request_shape: dict[str, RequestShape] = Field(default_factory=dict)
    """Request shape per served model id (``{deepseek-r1: {isl: 800, osl: 3900, prefix_hit: 0.56}}``);
    unset fields and models not listed use their card's ``typical_input_tokens``,
    ``typical_output_tokens`` and ``typical_prefix_hit``."""
    topologies: list[Topology] | None = None
    """Serving topologies the throughput may choose from (``null`` = all): parallelisms
    ``single_node`` (tensor parallel in one scale-up domain), ``ep_domain`` (expert parallel in one
    domain, e.g. an NVL72 rack), ``ep_multinode`` (expert parallel over several domains), and the
    options ``disaggregated`` (separate prefill and decode pools) and ``mtp`` (speculative decoding
    with the card's MTP modules); at least one parallelism. Each GPU x model gets the allowed
    combination with the most tokens/s per GPU (``tables/throughput.csv`` ``topology``)."""

    @field_validator("topologies")
    @classmethod
    def _one_parallelism(cls, t: list[str] | None) -> list[str] | None:
        parallel = {"single_node", "ep_domain", "ep_multinode"}
        if t is not None and (len(set(t)) != len(t) or not set(t) & parallel):
            raise ValueError(
                "name each topology at most once and at least one parallelism "
                "(single_node, ep_domain, ep_multinode); disaggregated and mtp add to them"
            )
        return t


class Scenario(StrictModel):
    """A complete planning scenario."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    """Short id used in run directory names (letters, digits, ``_ . -``)."""
    description: str = ""
    """Free text: what the scenario represents and why its numbers are realistic."""
    extends: str | None = None
    """Path of a parent scenario (relative to this file) whose fields this one overrides."""
    demand: Demand
    """What must be served: tokens/s per region and model, latency budgets, peak factor."""
    sites: SiteSelection = Field(default_factory=SiteSelection)
    """Which candidate sites may be opened, and per-site catalog overrides."""
    technologies: Technologies = Field(default_factory=Technologies)
    """The menu of energy technologies, GPUs and cooling options (``null`` = whole catalog)."""
    objective: Objective = "cost"
    """``cost`` (annualised USD) or ``carbon`` (annual tCO2e: operational + upstream + annualised
    embodied)."""
    carbon_price_usd_per_t: float = Field(default=0.0, ge=0, le=10_000)
    """Price on operational emissions added to the cost objective [USD/tCO2e]."""
    policy: Policy = Field(default_factory=Policy)
    """Optional policy constraints: carbon cap, clean share, site counts, resilience."""
    finance: Finance = Field(default_factory=Finance)
    """Finance overrides (WACC, asset lives); ``null`` keeps the catalog values."""
    prices: Prices = Field(default_factory=Prices)
    """Price overrides and scalings for sensitivities and sweeps."""
    fleet: Fleet = Field(default_factory=Fleet)
    """GPU fleet assumptions: spare GPUs."""
    time: TimeOptions = Field(default_factory=TimeOptions)
    """How the year is represented: ``annual`` or ``representative_days``."""
    solver: SolverOptions = Field(default_factory=SolverOptions)
    """HiGHS options: time limit, MIP gap, threads, seed."""
    profiles: dict[str, dict[str, str]] = Field(default_factory=dict)
    """User 8760-hour profiles replacing the synthetic ones, per site and column:
    ``{abilene_tx: {pv_cf: data/my_nsrdb.csv, dry_bulb_c: data/my_nsrdb.csv}}``. Columns:
    pv_cf, wind_cf, dry_bulb_c, wet_bulb_c, grid_co2_g_per_kwh, grid_price_usd_per_mwh,
    pv_poa_w_m2; layouts NSRDB (SAM CSV), renewables.ninja, PVGIS TMY or a plain
    ``timestamp,value`` CSV, detected from the header. Paths are relative to the working
    directory. Annual mode uses the profiles' means."""
    physics: PhysicsOptions = Field(default_factory=PhysicsOptions)
    """Assumptions of the physics chain (throughput source, Landauer bits per FLOP)."""
