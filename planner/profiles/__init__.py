"""Hourly (8760) profiles per site and region, user profile files, and representative days.

* :mod:`.sites`: synthetic site profiles and regional demand shapes;
* :mod:`.solar` (pvlib PV chain, photon flux), :mod:`.synthetic` (wind, temperatures, grid);
* :mod:`.readers`: user 8760 CSVs (NSRDB, renewables.ninja, PVGIS TMY, plain);
* :mod:`.representative`: tsam typical days with weights and the day sequence;
* :mod:`.columns`: the profile columns and their units.
"""
