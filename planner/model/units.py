"""Pyomo units used by the model, with the project's own base units registered once.

Money is its own dimension (``USD``), tokens and GPUs are counted things (``token``, ``GPU``)
so that ``assert_units_consistent`` catches a tokens/s term added to a GPU count.

Model scales (chosen so coefficients stay within a few orders of magnitude of 1):
power in MW, energy in MWh, money in MUSD, tokens/s in Mtoken/s, GPUs as counts,
emissions in tCO2e (``t`` of CO2e is written ``tCO2``), water in ML (megalitres).
"""

from __future__ import annotations

from pyomo.environ import units as u

_DEFINED = False


def _define() -> None:
    global _DEFINED
    if _DEFINED:
        return
    u.load_definitions_from_strings(
        [
            "USD = [currency]",
            "token = [token]",
            "GPU = [gpu]",
            "tCO2 = [co2_mass]",
        ]
    )
    _DEFINED = True


_define()

MW = u.MW
MWh = u.MWh
hr = u.hr
yr = u.year
MUSD = u.MUSD
USD = u.USD
tCO2 = u.tCO2
GPU = u.GPU
Mtok_s = u.Mtoken / u.s
ML = u.ML
dimensionless = u.dimensionless

__all__ = ["u", "MW", "MWh", "hr", "yr", "MUSD", "USD", "tCO2", "GPU", "Mtok_s", "ML", "dimensionless"]
