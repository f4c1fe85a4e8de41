"""Reference power flows for grid/tests/pandapower.rs, computed by pandapower.

Reads {"cases": [...]} on stdin; each case names its network ("cigre-lv": pandapower's own
pandapower.networks.create_cigre_network_lv(), or a feeder spec in grid's JSON format built
here element by element), the loads and static generators that replace the network's own,
and the transformer model. Writes the results, keyed by element name, on stdout.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import logging

logging.disable(logging.WARNING)

import pandapower as pp
import pandapower.networks as pn


def from_spec(spec):
    net = pp.create_empty_network(f_hz=spec.get("f_hz", 50.0), sn_mva=1.0)
    idx = {}
    for b in spec["buses"]:
        idx[b["id"]] = pp.create_bus(net, vn_kv=b["vn_kv"], name=b["id"])
    s = spec["slack"]
    pp.create_ext_grid(net, idx[s["bus"]], vm_pu=s.get("vm_pu", 1.0), va_degree=s.get("va_degree", 0.0))
    for l in spec.get("lines", []):
        pp.create_line_from_parameters(
            net, idx[l["from_bus"]], idx[l["to_bus"]], length_km=l["length_km"],
            r_ohm_per_km=l["r_ohm_per_km"], x_ohm_per_km=l["x_ohm_per_km"],
            c_nf_per_km=l.get("c_nf_per_km", 0.0), max_i_ka=l["max_i_ka"], name=l["id"])
    for t in spec.get("transformers", []):
        pp.create_transformer_from_parameters(
            net, idx[t["hv_bus"]], idx[t["lv_bus"]], sn_mva=t["sn_mva"], vn_hv_kv=t["vn_hv_kv"],
            vn_lv_kv=t["vn_lv_kv"], vkr_percent=t["vkr_percent"], vk_percent=t["vk_percent"],
            pfe_kw=t.get("pfe_kw", 0.0), i0_percent=t.get("i0_percent", 0.0),
            shift_degree=t.get("shift_degree", 0.0), name=t["id"])
    return net


def run(case):
    net = pn.create_cigre_network_lv() if case["network"] == "cigre-lv" else from_spec(case["network"])
    by_name = {name: i for i, name in net.bus["name"].items()}
    net.load.drop(net.load.index, inplace=True)
    for bus, p, q in case["loads"]:
        pp.create_load(net, by_name[bus], p_mw=p, q_mvar=q)
    for bus, p, q in case["sgens"]:
        pp.create_sgen(net, by_name[bus], p_mw=p, q_mvar=q)
    pp.runpp(net, calculate_voltage_angles=True, trafo_model=case["trafo_model"], tolerance_mva=1e-10)
    rb = net.res_bus.join(net.bus["name"])
    rl = net.res_line.join(net.line["name"])
    rt = net.res_trafo.join(net.trafo["name"])
    return {
        "buses": {r["name"]: [r["vm_pu"], r["va_degree"]] for _, r in rb.iterrows()},
        "lines": {r["name"]: [r["loading_percent"], r["i_from_ka"], r["i_to_ka"], r["pl_mw"]] for _, r in rl.iterrows()},
        "transformers": {r["name"]: [r["loading_percent"], r["p_hv_mw"], r["pl_mw"]] for _, r in rt.iterrows()},
        "slack_p_mw": float(net.res_ext_grid["p_mw"].sum()),
        "losses_mw": float(net.res_line["pl_mw"].sum() + net.res_trafo["pl_mw"].sum()),
    }


cases = json.load(sys.stdin)["cases"]
json.dump({"results": [run(c) for c in cases]}, sys.stdout)
