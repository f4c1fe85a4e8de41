"""Reference PV simulation for solar/tests/pvlib.rs, computed by pvlib's ModelChain.

Reads {"cases": [...]} on stdin: a site (coordinates, altitude, monthly Linke turbidity), an
array (orientation, PVWatts and SAPM parameters) and a time series (start, step, air
temperature, wind, clearness). Builds the weather the way the simulator does — Ineichen clear
sky scaled by the clearness, split by Erbs under clouds — and runs ModelChain with the same
models: Hay-Davies, ASHRAE IAM, SAPM cell temperature, PVWatts DC, PVWatts losses, PVWatts
inverter. Writes per-step zenith, apparent zenith, GHI, POA global and AC power on stdout.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")

import numpy as np
import pandas as pd
import pvlib
from pvlib.location import Location
from pvlib.modelchain import ModelChain
from pvlib.pvsystem import PVSystem


def run(case):
    s, a = case["site"], case["array"]
    times = pd.date_range(pd.Timestamp(case["start_unix"], unit="s", tz="UTC"),
                          periods=len(case["temp_air"]), freq=f'{case["step_s"]}s')
    temp_air = pd.Series(case["temp_air"], index=times)
    wind = pd.Series(case["wind"], index=times)
    clearness = pd.Series(case["clearness"], index=times)
    loc = Location(s["lat"], s["lon"], tz="UTC", altitude=s["alt"])
    # The same solar position ModelChain computes (refraction for the air temperature), so
    # the clear sky and the chain see one sun.
    solpos = loc.get_solarposition(times, temperature=temp_air)
    tl = pd.Series(np.array(s["linke_turbidity"])[times.month - 1], index=times)
    cs = loc.get_clearsky(times, model="ineichen", solar_position=solpos, linke_turbidity=tl)
    ghi = cs["ghi"] * clearness.clip(upper=1.0)
    split = pvlib.irradiance.erbs(ghi, solpos["apparent_zenith"], times)
    cloudy = clearness < 1.0
    weather = pd.DataFrame({
        "ghi": ghi,
        "dni": cs["dni"].where(~cloudy, split["dni"]),
        "dhi": cs["dhi"].where(~cloudy, split["dhi"]),
        "temp_air": temp_air,
        "wind_speed": wind,
    })
    system = PVSystem(
        surface_tilt=a["tilt"], surface_azimuth=a["azimuth"], albedo=a["albedo"],
        module_parameters={"pdc0": a["pdc0"], "gamma_pdc": a["gamma_pdc"], "b": a["iam_b"]},
        inverter_parameters={"pdc0": a["inverter_pdc0"], "eta_inv_nom": a["eta_inv_nom"]},
        temperature_model_parameters={"a": a["sapm_a"], "b": a["sapm_b"], "deltaT": a["sapm_delta_t"]},
    )
    mc = ModelChain(system, loc, transposition_model="haydavies", aoi_model="ashrae",
                    spectral_model="no_loss", dc_model="pvwatts", ac_model="pvwatts",
                    temperature_model="sapm", losses_model="pvwatts")
    mc.run_model(weather)
    r = mc.results
    return {
        "zenith": r.solar_position["zenith"].tolist(),
        "apparent_zenith": r.solar_position["apparent_zenith"].tolist(),
        "ghi": ghi.tolist(),
        "poa_global": r.total_irrad["poa_global"].fillna(0.0).tolist(),
        "ac": r.ac.fillna(0.0).tolist(),
        "losses_percent": float(system.pvwatts_losses()),
    }


def main():
    cases = json.load(sys.stdin)["cases"]
    json.dump({"pvlib": pvlib.__version__, "results": [run(c) for c in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
