"""Bridge power: a firm supply asset that cannot be in service by a site's online year (a grid tie
behind its queue; a combined cycle, SMR, large reactor or geothermal plant behind its delivery)
may still be built if bridge units (on-site gas engines or aeroderivative turbines, in service
``bridge_lead_time_years`` after the start) carry its MW from the online year k until the asset
arrives in year Y[s,a]. Built inside ``m.timing`` (needs ``m.timing.on``).

Assets a of site s: the grid tie and every dispatchable plant on the menu; bridged cases
SB = {(s,a,k): k < Y[s,a], k >= Y_bridge}. Bridge units are either rented and returned when the
asset arrives (``rent``) or bought and kept as backup afterwards (``keep``, firm supply in the
redundancy block); the choice is priced::

    rent[s,a,k] + keep[s,a,k] <= U[s,a] on[s,k]                          [MW], only the committed year
    sum_{(s,a,k): k <= y < Y[s,a]} (rent + keep)[s,a,k] <= bridge_mw_available[y]   per calendar year y
                                  (the deliverable supply, ``bridge_supply.csv``; none: no limit)
    cap[s,a] <= U[s,a] sum_{k >= Y[s,a]} on[s,k] + sum_k (rent + keep)[s,a,k]

    sum_k drawn[s,a,k] = E[s,a] = sum_t w_t supply[s,a,t]                [MWh/yr], the asset's energy
    drawn[s,a,k] <= U[s,a] 8760 on[s,k]                                   (in the committed year only)

    cost[s] = sum_{a,k} CRF_b (Y[s,a] - k) (rent_price rent + fuel[s,a] drawn[s,a,k])
              + own_annual sum_{a,k} keep                                 [MUSD/yr]
    emissions[s] = sum_{a,k} (Y[s,a] - k) / building_life co2[s,a] drawn[s,a,k]
                   + test_co2 sum_{a,k} keep                              [tCO2/yr]

with U the asset's upper bound (the grid MW the site can get, the plant's largest build), CRF_b
the building life's capital recovery factor (the one-off gap cost annualised like capex), supply
the grid import or the plant's generation, and fuel[s,a], co2[s,a] the bridge's fuel and VOM cost
and stack CO2 over the asset's own per MWh (:func:`planner.model.timing_inputs.bridge_inputs`):
the fuel premium is charged on the energy the site actually draws from the asset in the bridged
years (``drawn`` is E[s,a] in the site's committed year k and 0 in the others), not on the bridge
MW, which is the hottest-hour nameplate. Variable renewables and batteries are not
bridged: they are not firm, and a late one is simply not built. The plan's other rows (energy,
redundancy) are those of the years after the asset arrives; during the gap the bridge units stand
in for the asset MW for MW.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.linear import linear, unit_factor
from planner.model.slice_inputs import DISPATCHABLE_KINDS
from planner.model.timing_inputs import TimingInputs
from planner.model.units import MUSD, MW, MWh, hr, tCO2, yr

GRID = "grid"


def bridgeable(inp: ModelInputs) -> list[str]:
    """Assets that may be bridged: ``grid`` (on the menu) and the dispatchable plants."""
    assets = [GRID] if GRID in inp.techs else []
    return assets + [e for e in inp.generators if inp.tech_kind[e] in DISPATCHABLE_KINDS]


def asset_year(tm: TimingInputs, s: str, a: str) -> int:
    """In-service year of asset ``a`` at site ``s``: the grid queue, a gas plant's critical path at
    the site (equipment, air permit, lateral: :mod:`planner.model.gas_inputs`) or the plant's delivery."""
    if a == GRID:
        return tm.grid_year[s]
    return tm.site_tech_year.get((s, a), tm.tech_year[a])


def _capacity(m: pyo.ConcreteModel, s: str, a: str) -> pyo.Var:
    return m.energy.grid_cap[s] if a == GRID else m.energy.cap[s, a]


def add_bridges(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, tm: TimingInputs) -> None:
    """Every bridgeable asset in service by the site's online year, or bridged until it is
    (equations in the module docstring); sets ``b.cost``, ``b.emissions`` and ``b.kept``."""
    energy, S = m.energy, m.site.S
    upper = {
        (s, a): (inp.grid_mw[s] if a == GRID else float(energy.cap[s, a].ub or 0.0))
        for s in inp.sites
        for a in bridgeable(inp)
    }
    cases = [
        (s, a, k)
        for (s, a), u in upper.items()
        for k in tm.levels
        if u > 0 and tm.bridge_year <= k < asset_year(tm, s, a)
    ]
    b.SB = pyo.Set(dimen=3, initialize=cases, ordered=True)
    b.rent = pyo.Var(b.SB, domain=pyo.NonNegativeReals, units=MW)
    b.keep = pyo.Var(b.SB, domain=pyo.NonNegativeReals, units=MW)
    b.bridge_limit = pyo.Constraint(
        b.SB, rule=lambda b, s, a, k: b.rent[s, a, k] + b.keep[s, a, k] <= upper[s, a] * MW * b.on[s, k]
    )
    late = [
        (s, a) for (s, a), u in upper.items() if u > 0 and any(k < asset_year(tm, s, a) for k in tm.levels)
    ]
    b.asset_in_time = pyo.Constraint(
        late,
        rule=lambda b, s, a: (
            _capacity(m, s, a)
            <= upper[s, a] * MW * sum(b.on[s, k] for k in b.K if k >= asset_year(tm, s, a))
            + sum(b.rent[s, a, k] + b.keep[s, a, k] for k in b.K if (s, a, k) in cases)
        ),
    )
    _add_drawn_energy(b, m, inp, tm, cases, upper)
    _add_bridge_supply(b, tm, cases)
    by_site: dict[str, list[tuple[str, str, int]]] = {s: [] for s in inp.sites}
    for case in cases:
        by_site[case[0]].append(case)
    b.cost = pyo.Expression(
        S, rule=lambda b, s: sum(_case_cost(b, tm, c) for c in by_site[s]) + 0.0 * MUSD / yr
    )
    b.emissions = pyo.Expression(
        S, rule=lambda b, s: sum(_case_co2(b, tm, c) for c in by_site[s]) + 0.0 * tCO2 / yr
    )
    b.kept = pyo.Expression(S, rule=lambda b, s: sum(b.keep[c] for c in by_site[s]) + 0.0 * MW)


def _add_drawn_energy(
    b: pyo.Block,
    m: pyo.ConcreteModel,
    inp: ModelInputs,
    tm: TimingInputs,
    cases: list[tuple[str, str, int]],
    upper: dict[tuple[str, str], float],
) -> None:
    """``drawn[s,a,k]`` [MWh/yr]: asset a's yearly energy E[s,a] = sum_t w_t supply[s,a,t] put on
    site s's committed online year k (module docstring), for the assets with a bridged case."""
    pairs = list(dict.fromkeys((s, a) for s, a, _ in cases))
    b.SA = pyo.Set(dimen=2, initialize=pairs, ordered=True)
    b.SAK = pyo.Set(dimen=3, initialize=[(s, a, k) for s, a in pairs for k in tm.levels], ordered=True)
    b.drawn = pyo.Var(
        b.SAK, domain=pyo.NonNegativeReals, units=MWh / yr, bounds=lambda _, s, a, k: (0, 8760 * upper[s, a])
    )
    energy, w, T = m.energy, inp.slices.weight_h, range(inp.slices.n)
    unit = unit_factor(b, "energy_unit", hr / yr)

    def supply(s: str, a: str) -> object:
        var = (lambda t: energy.grid[s, t]) if a == GRID else (lambda t: energy.gen[s, a, t])
        return unit * linear((w[t], var(t)) for t in T)

    b.drawn_split = pyo.Constraint(
        b.SA, rule=lambda b, s, a: sum(b.drawn[s, a, k] for k in tm.levels) == supply(s, a)
    )
    b.drawn_year = pyo.Constraint(
        b.SAK, rule=lambda b, s, a, k: b.drawn[s, a, k] <= 8760 * upper[s, a] * MWh / yr * b.on[s, k]
    )


def _add_bridge_supply(b: pyo.Block, tm: TimingInputs, cases: list[tuple[str, str, int]]) -> None:
    """Bridge units in use in each calendar year y within what one plan can get
    (``bridge_supply.csv``, :meth:`TimingInputs.bridge_limit`)::

        sum_{(s,a,k): k <= y < Y[s,a]} (rent + keep)[s,a,k] <= bridge_mw_available[y]     [MW]
    """
    if not cases or not tm.bridge_mw_available:
        return
    years = range(min(k for _, _, k in cases), max(asset_year(tm, s, a) for s, a, _ in cases))
    in_use = {y: [c for c in cases if c[2] <= y < asset_year(tm, c[0], c[1])] for y in years}
    rows = [y for y in years if in_use[y]]
    b.bridge_supply = pyo.Constraint(
        rows,
        rule=lambda b, y: sum(b.rent[c] + b.keep[c] for c in in_use[y]) <= tm.bridge_limit(y) * MW,
    )


def _case_cost(b: pyo.Block, tm: TimingInputs, case: tuple[str, str, int]) -> object:
    """Annualised cost of one bridged case [MUSD/yr] (module docstring)."""
    s, a, k = case
    gap, fuel = asset_year(tm, s, a) - k, tm.bridge_fuel_musd_per_mwh[s, a]
    per = MUSD / yr / MW
    return (
        tm.bridge_crf * gap * tm.bridge_rent_musd_per_mw_yr * per * b.rent[case]
        + tm.keep_annual_musd_per_mw * per * b.keep[case]
        + tm.bridge_crf * gap * fuel * (MUSD / MWh) * b.drawn[case]
    )


def _case_co2(b: pyo.Block, tm: TimingInputs, case: tuple[str, str, int]) -> object:
    """Emissions of one bridged case [tCO2/yr]: the gap years spread over the building life."""
    s, a, k = case
    gap = asset_year(tm, s, a) - k
    return (gap / tm.building_life * tm.bridge_t_per_mwh[s, a]) * (tCO2 / MWh) * b.drawn[
        case
    ] + tm.keep_t_per_mw_yr * (tCO2 / yr / MW) * b.keep[case]


def bridged(m: pyo.ConcreteModel, s: str, kind: str = "all") -> dict[str, float]:
    """Bridge MW per asset at site ``s`` in the solved plan (``kind``: ``rent``, ``keep`` or
    ``all``); empty without a deadline."""
    b = m.timing
    if not hasattr(b, "SB"):
        return {}
    out: dict[str, float] = {}
    for s2, a, k in b.SB:
        if s2 != s:
            continue
        rent = float(pyo.value(b.rent[s2, a, k]) or 0.0) if kind in ("rent", "all") else 0.0
        keep = float(pyo.value(b.keep[s2, a, k]) or 0.0) if kind in ("keep", "all") else 0.0
        out[a] = out.get(a, 0.0) + rent + keep
    return out


def bridge_mw(m: pyo.ConcreteModel, s: str) -> float:
    """Bridge power (rented and kept) at site ``s`` [MW] (0 without a deadline)."""
    return sum(bridged(m, s).values())


def bridge_kw_yr(m: pyo.ConcreteModel, inp: ModelInputs, s: str, kind: str) -> float:
    """Bridge service of site ``s`` [kW-yr] = sum_{a,k} (Y[s,a] - k) x MW x 1e3 of ``rent`` or ``keep``."""
    tm, b = inp.timing, m.timing
    if tm is None or not hasattr(b, "SB"):
        return 0.0
    var = b.rent if kind == "rent" else b.keep
    return sum(
        (asset_year(tm, s, a) - k) * float(pyo.value(var[s2, a, k]) or 0.0) * 1e3
        for s2, a, k in b.SB
        if s2 == s
    )


def bridge_capex_musd(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> float:
    """One-off bridge cost of site ``s`` [MUSD]: rent and fuel premium over the gap years, plus
    the purchase of kept units = sum (Y - k) (rent_price rent + fuel drawn) + own_capex keep."""
    return sum(bridge_parts_musd(m, inp, s).values())


def bridge_parts_musd(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> dict[str, float]:
    """One-off bridge cost of site ``s`` by part [MUSD]: ``rent`` = sum (Y - k) rent_price rent,
    ``fuel`` = sum (Y - k) fuel[s,a] drawn[s,a,k] (premium on the energy drawn in the gap years),
    ``kept`` = own_capex sum keep (zeros without a deadline)."""
    tm, b = inp.timing, m.timing
    out = {"rent": 0.0, "fuel": 0.0, "kept": 0.0}
    if tm is None or not hasattr(b, "SB"):
        return out
    for s2, a, k in b.SB:
        if s2 != s:
            continue
        gap = asset_year(tm, s, a) - k
        drawn = float(pyo.value(b.drawn[s2, a, k]) or 0.0)
        out["rent"] += gap * tm.bridge_rent_musd_per_mw_yr * float(pyo.value(b.rent[s2, a, k]) or 0.0)
        out["fuel"] += gap * tm.bridge_fuel_musd_per_mwh[s, a] * drawn
        out["kept"] += tm.keep_capex_musd_per_mw * float(pyo.value(b.keep[s2, a, k]) or 0.0)
    return out


def bridge_fuel_mwh(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> float:
    """Energy the bridge units supply at site ``s`` over the gap years [MWh] = sum (Y - k) drawn."""
    tm, b = inp.timing, m.timing
    if tm is None or not hasattr(b, "SB"):
        return 0.0
    return sum(
        (asset_year(tm, s, a) - k) * float(pyo.value(b.drawn[s2, a, k]) or 0.0)
        for s2, a, k in b.SB
        if s2 == s
    )
