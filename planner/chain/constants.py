"""Physical constants and unit conversions used by the physics chain, each with its source.

Plain floats (SI unless the name says otherwise). Values agree with
``shared/reference/physical_constants.json`` of the project.
"""

from __future__ import annotations

# --- Exact SI defining constants (BIPM, SI Brochure 9th ed., 2019) -------------------------
BOLTZMANN_J_PER_K: float = 1.380649e-23
"""Boltzmann constant k_B [J/K] (exact since the 2019 SI redefinition)."""
AVOGADRO_PER_MOL: float = 6.02214076e23
"""Avogadro constant N_A [1/mol] (exact, 2019 SI)."""
SPEED_OF_LIGHT_M_PER_S: float = 299_792_458.0
"""Speed of light in vacuum c [m/s] (exact, SI)."""
PLANCK_J_S: float = 6.62607015e-34
"""Planck constant h [J s] (exact, 2019 SI)."""
LN2: float = 0.6931471805599453
"""Natural log of 2 [-]: Landauer's bound is k_B T ln 2 per erased bit (Landauer 1961)."""
ZERO_CELSIUS_K: float = 273.15
"""0 degC in kelvin [K]."""
ROOM_TEMPERATURE_K: float = 300.0
"""Conventional reference temperature for the Landauer limit [K] (k_B 300 K ln2 = 2.871e-21 J)."""

# --- Energy units ---------------------------------------------------------------------------
J_PER_KWH: float = 3.6e6
"""Joules per kilowatt-hour [J/kWh] (exact)."""
J_PER_MWH: float = 3.6e9
"""Joules per megawatt-hour [J/MWh] (exact)."""
J_PER_BTU: float = 1055.05585
"""International Table BTU in joules [J/BTU] (ISO 31-4 / NIST SP 811)."""
J_PER_MMBTU: float = 1055.05585e6
"""Million BTU in joules [J/MMBtu] (1e6 x IT BTU); EIA rounds to 1.055056e9."""
BTU_PER_KWH: float = J_PER_KWH / J_PER_BTU
"""BTU per kWh [BTU/kWh] = 3412.14 (EIA: 'heat content of electricity')."""
MMBTU_PER_MWH_PER_BTU_PER_KWH: float = 1e-3
"""A heat rate of X BTU/kWh is X/1000 MMBtu/MWh (EIA heat-rate convention)."""
SECONDS_PER_HOUR: float = 3600.0
HOURS_PER_YEAR: float = 8760.0

# --- Sunlight: ASTM G173-03 AM1.5 global tilt reference spectrum -----------------------------
AM15G_IRRADIANCE_W_PER_M2: float = 1000.4
"""Integrated AM1.5G irradiance of ASTM G173-03 (280-4000 nm) [W/m2]; STC rounds it to 1000."""
AM15G_PHOTONS_PER_J: float = 4.304e18
"""Photons per joule of AM1.5G sunlight [1/J]: photon flux 4.306e21 /(m2 s) over 1000.4 W/m2
(integral of E(lambda) lambda/(h c) over ASTM G173-03); mean photon energy 2.32e-19 J (1.45 eV)."""
STC_IRRADIANCE_W_PER_M2: float = 1000.0
"""Standard test conditions irradiance for PV module ratings [W/m2] (IEC 61215)."""
PV_MODULE_EFFICIENCY_TYPICAL: float = 0.22
"""Typical 2024-25 utility c-Si module efficiency at STC [-] (21.5-23 %, NREL ATB 2024 / datasheets)."""
PV_PERFORMANCE_RATIO_TYPICAL: float = 0.80
"""Typical PV system performance ratio (AC energy / (STC efficiency x plane-of-array sunlight))
[-]; 0.75-0.85 for modern plants (IEC 61724; NREL 'Performance Ratio' technical report 2013)."""

# --- Natural gas (methane) ------------------------------------------------------------------
CH4_HHV_J_PER_MOL: float = 890.4e3
"""Higher heating value of methane [J/mol], water condensed, 25 degC (NIST Chemistry WebBook,
standard enthalpy of combustion -890.3 +/- 0.3 kJ/mol; 890.4 as in the project reference)."""
CH4_LHV_J_PER_MOL: float = 802.3e3
"""Lower heating value of methane [J/mol], water as vapour (HHV minus 2 x 44.0 kJ/mol)."""
NG_KG_CO2_PER_MMBTU_HHV: float = 53.06
"""Combustion CO2 of pipeline natural gas [kg CO2/MMBtu, HHV] (EPA GHG Emission Factors Hub,
Table 1, 2024)."""
CCGT_HEAT_RATE_MMBTU_PER_MWH: float = 6.168
"""Heat rate of a new 2x1 H-frame combined cycle [MMBtu/MWh, HHV] (NREL ATB 2025 moderate via
ReEDS gas_ATB_2025_moderate.csv, Gas-CC_H_2x1); efficiency 3.412/6.168 = 55.3 % HHV."""
NGCC_WATER_L_PER_MWH: float = 750.0
"""Water consumed by a combined cycle with cooling tower [L/MWh] (198 gal/MWh median;
Macknick et al. 2012, Environ. Res. Lett. 7 045802)."""

# --- Grid carbon -----------------------------------------------------------------------------
US_GRID_G_CO2_PER_KWH: float = 367.0
"""US average generation-weighted CO2 intensity 2023 [g/kWh] (EIA 'How much CO2 is produced per
kWh', 0.81 lb/kWh); the default when no site is given."""
GLOBAL_GRID_G_CO2_PER_KWH: float = 436.0
"""World average grid intensity 2022-23 [g/kWh] (Ember Global Electricity Review 2024)."""

# --- Wind -------------------------------------------------------------------------------------
AIR_DENSITY_KG_PER_M3: float = 1.225
"""Air density at sea level, 15 degC (ISA) [kg/m3]; IEC 61400-12-1 reference."""
BETZ_LIMIT: float = 16.0 / 27.0
"""Betz limit: the largest power coefficient C_p of an ideal open rotor [-] (Betz 1920) = 0.593."""

# --- Light in fibre ---------------------------------------------------------------------------
FIBRE_GROUP_INDEX: float = 1.468
"""Group index of standard single-mode fibre (ITU-T G.652, Corning SMF-28 at 1550 nm) [-]."""
FIBRE_KM_PER_MS: float = SPEED_OF_LIGHT_M_PER_S / FIBRE_GROUP_INDEX / 1e6
"""Distance light travels in fibre per millisecond [km/ms] ~= 204."""
FIBRE_ROUTE_FACTOR: float = 1.5
"""Ratio of fibre route length to great-circle distance [-] (typical 1.3-2.0; Bozkurt et al.
2017, 'Why is the Internet so slow?!')."""

# --- Landauer ---------------------------------------------------------------------------------
LANDAUER_J_PER_BIT_300K: float = BOLTZMANN_J_PER_K * ROOM_TEMPERATURE_K * LN2
"""Landauer energy at 300 K [J/bit] = 2.871e-21."""
DEFAULT_BITS_ERASED_PER_FLOP: float = 1.0
"""Default bits irreversibly erased per floating-point operation [bit/FLOP]; an explicit,
arguable assumption (a multiply-add on n-bit words erases O(n) bits in CMOS; 1 is a floor).
The facility catalog (``bits_erased_per_flop``) overrides it."""

# --- Precision --------------------------------------------------------------------------------
BYTES_PER_PARAM: dict[str, float] = {"fp4": 0.5, "fp8": 1.0, "bf16": 2.0, "fp16": 2.0}
"""Storage per weight by precision [B/param] (block scales of fp4/fp8 formats neglected)."""
