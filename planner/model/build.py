"""Assemble the siting model from its blocks (one builder per concern).

Order matters only for references: sites -> demand -> fleet -> site loss -> energy -> tariff -> gas
-> timing -> gas permits in time -> redundancy -> phasing -> cost -> policy -> objective.
``elastic=True`` builds the explanation variant in which demand and every limit have priced slacks
(see :mod:`planner.model.explain`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from planner.model.capex_adders import add_capex_adders
from planner.model.contracts import add_contracts
from planner.model.demand import add_demand, add_unserved
from planner.model.energy import add_energy
from planner.model.fleet import add_fleet
from planner.model.gas import add_gas, add_gas_timing
from planner.model.inputs import ModelInputs
from planner.model.objective import add_accounting, add_objective
from planner.model.phasing import add_phasing
from planner.model.policy import add_policy
from planner.model.redundancy import add_redundancy
from planner.model.site_loss import add_site_loss
from planner.model.sites import add_site_loads, add_sites
from planner.model.tariff import add_tariff
from planner.model.timing import add_timing


def build_model(
    inp: ModelInputs,
    objective: str | None = None,
    elastic: bool = False,
    unserved_usd_per_mtok: float | Mapping[str, float] | None = None,
) -> pyo.ConcreteModel:
    """Build the Pyomo model for ``inp``; ``objective`` overrides the scenario's (``cost``/``carbon``).

    ``unserved_usd_per_mtok`` (evaluate mode only, ``planner evaluate``): demand may go unserved at
    that price [USD/Mtok], one for all or one per served model (:func:`planner.model.demand.add_unserved`);
    None builds the normal model.
    """
    m = pyo.ConcreteModel(name=inp.scenario.name)
    with PauseGC():  # the build creates ~1e6 objects and no cycles to collect: skip the GC passes
        add_sites(m, inp, elastic)
        add_demand(m, inp, elastic, unserved=unserved_usd_per_mtok is not None)
        add_fleet(m, inp, elastic)
        add_site_loads(m, inp)
        add_site_loss(m, inp, elastic)
        add_energy(m, inp, elastic)
        add_tariff(m, inp)
        add_gas(m, inp)
        add_contracts(m, inp)
        add_timing(m, inp)
        add_gas_timing(m, inp)
        add_redundancy(m, inp, elastic)
        add_capex_adders(m, inp)
        add_phasing(m, inp)
        add_accounting(m, inp)
        add_policy(m, inp, elastic)
        add_objective(m, inp, objective or inp.scenario.objective, elastic)
        if unserved_usd_per_mtok is not None:
            add_unserved(m, unserved_usd_per_mtok)
    return m
