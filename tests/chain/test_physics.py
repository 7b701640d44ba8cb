"""Physics chain: each function against a hand calculation with the constants written out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.chain import constants as C
from planner.chain import physics
from planner.errors import InputError


def test_am15g_photon_flux_on_one_square_metre():
    # 1000.4 W/m2 x 1 m2 x 4.304e18 photons/J = 4.306e21 photons/s (ASTM G173 AM1.5G)
    assert physics.pv_photon_flux(1000.4, 1.0) == pytest.approx(4.306e21, rel=1e-3)
    assert pytest.approx(4.3e18, rel=0.01) == C.AM15G_PHOTONS_PER_J


def test_pv_module_area_and_mean_photon_flux_for_a_load():
    assert physics.pv_module_area(1e6, 0.20) == pytest.approx(5000.0)  # 1 MWdc / (0.2 x 1000)
    area, flux = physics.pv_mean_photon_flux_for_load(1e6, 0.25, 0.20, 0.80)
    assert area == pytest.approx(1e6 / 0.25 / (0.20 * 1000.0))
    # sunlight power needed = P / (eta PR) = 6.25 MW -> x 4.304e18 photons/J
    assert flux == pytest.approx(1e6 / (0.20 * 0.80) * 4.304e18)
    with pytest.raises(InputError):
        physics.pv_mean_photon_flux_for_load(1e6, 0.0)


def test_ch4_for_one_megawatt_at_ccgt_heat_rate():
    # fuel = 1e6 W x 6.168 MMBtu/MWh x 1.05505585e9 J/MMBtu / 3.6e9 J/MWh = 1.807662e6 W (HHV)
    # mol/s = 1.807662e6 / 890.4e3 J/mol = 2.03017 mol/s
    assert physics.fuel_power_w(1e6, 6.168) == pytest.approx(1.807662e6, rel=1e-6)
    assert physics.ch4_mol_per_s(1e6, 6.168) == pytest.approx(2.03017, rel=1e-5)
    assert physics.ch4_molecules_per_s(1e6, 6.168) == pytest.approx(2.03017 * 6.02214076e23, rel=1e-5)
    # LHV basis burns more moles for the same heat
    assert physics.ch4_mol_per_s(1e6, 6.168, C.CH4_LHV_J_PER_MOL) > physics.ch4_mol_per_s(1e6, 6.168)


def test_gas_co2_intensity():
    assert physics.gas_co2_g_per_kwh(6.168) == pytest.approx(6.168 * 53.06)  # 327 g/kWh


def test_landauer_at_300_kelvin():
    assert physics.landauer_j_per_bit(300.0) == pytest.approx(2.871e-21, rel=1e-3)
    assert pytest.approx(2.871e-21, rel=1e-3) == C.LANDAUER_J_PER_BIT_300K
    # 1e11 FLOP/token x 1 bit/FLOP -> 2.871e-10 J; a 0.5 J token is 1.74e9 x the floor
    assert physics.landauer_j_per_token(1e11, 1.0, 300.0) == pytest.approx(2.871e-10, rel=1e-3)
    assert physics.landauer_ratio(0.5, 1e11, 1.0, 300.0) == pytest.approx(0.5 / 2.871e-10, rel=1e-3)
    with pytest.raises(InputError):
        physics.landauer_j_per_bit(0.0)


def test_hand_computed_token_energy_carbon_water():
    # 1000 tokens/s on a 1275 W node at PUE 1.2 -> 1530 W facility -> 1.53 J/token
    fac_w = physics.facility_power_w(1275.0, 1.2)
    assert fac_w == pytest.approx(1530.0)
    assert physics.joules_per_token(fac_w, 1000.0) == pytest.approx(1.53)
    assert physics.it_power_w(fac_w, 1.2) == pytest.approx(1275.0)
    # 1 kWh at 367 g/kWh = 367 g; 1 kWh IT at WUE 1.8 L/kWh = 1.8 L, + 0.75 L/kWh plant water
    assert physics.gco2e_per_token(3.6e6, 367.0) == pytest.approx(367.0)
    assert physics.water_l_per_token(3.6e6, 1.8) == pytest.approx(1.8)
    assert physics.water_l_per_token(3.6e6, 1.8, 3.6e6 * 1.2, 0.75) == pytest.approx(1.8 + 0.9)
    assert math.isinf(physics.joules_per_token(100.0, 0.0))
    np.testing.assert_allclose(
        physics.joules_per_token(np.array([10.0, 10.0]), np.array([5.0, 0.0])), [2.0, np.inf]
    )
    with pytest.raises(InputError):
        physics.facility_power_w(1000.0, 0.9)


def test_wind_power_and_betz_limit():
    # 0.5 x 1.225 x 10,000 m2 x (10 m/s)^3 x 0.45 = 2.756 MW
    assert physics.wind_power_w(1e4, 10.0, 0.45) == pytest.approx(2.75625e6)
    with pytest.raises(InputError, match="Betz"):
        physics.wind_power_w(1e4, 10.0, 0.6)


def test_precision_fallback_and_peak_flops():
    h100 = {"dense_bf16_tflops": 989, "dense_fp8_tflops": 1979, "dense_fp4_tflops": 0}
    b200 = {"dense_bf16_tflops": 2250, "dense_fp8_tflops": 4500, "dense_fp4_tflops": 9000}
    assert physics.effective_precision(h100, "fp4") == "fp8"
    assert physics.gpu_flop_per_s(h100, "fp4") == pytest.approx(1.979e15)
    assert physics.gpu_flop_per_s(b200, "fp4") == pytest.approx(9.0e15)
    assert physics.gpu_flop_per_s(b200, "fp16") == pytest.approx(2.25e15)
    with pytest.raises(InputError, match="allowed"):
        physics.effective_precision(h100, "int3")


def test_fibre_round_trip():
    # 1000 km x 1.5 route factor x 2 / (299,792.458 / 1.468 km/ms) = 14.69 ms
    assert physics.fibre_round_trip_ms(1000.0) == pytest.approx(14.690, rel=1e-4)
