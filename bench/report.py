"""Merges the figures of one bench/run.sh run into one table (stdout), a JSON file and a PNG chart."""
import argparse
import json
import os
import platform
import re
import subprocess

GIB = 1 << 30


def read_json(path):
    with open(path) as f:
        return json.load(f)


def proc_kib(path, key):
    with open(path) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in {path}")


def server_load(log_path):
    with open(log_path) as f:
        text = f.read()
    match = re.search(r"loaded in (\d+) ms, indexed in (\d+) ms", text)
    if not match:
        raise RuntimeError(f"no startup line in {log_path}")
    sizes = re.search(r"([\d.]+) (\w)iB of Arrow memory \(tables ([\d.]+) (\w)iB, indices ([\d.]+) (\w)iB\)", text)
    unit = lambda u: 1 << (10 * " KMGTPE".index(u))
    return {"load_s": int(match.group(1)) / 1e3, "index_s": int(match.group(2)) / 1e3,
            "arrow_bytes": float(sizes.group(1)) * unit(sizes.group(2)),
            "table_bytes": float(sizes.group(3)) * unit(sizes.group(4)),
            "index_bytes": float(sizes.group(5)) * unit(sizes.group(6))}


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    import duckdb
    import pyarrow
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE")
            * os.sysconf("SC_PHYS_PAGES") / GIB, 1), "os": platform.platform(), "java": java,
            "duckdb": duckdb.__version__, "pyarrow": pyarrow.__version__}


class Figures:
    """Rows of the table: figure, ours, peer, ratio (how many times better we are), target, met."""

    def __init__(self):
        self.rows = []

    def add(self, group, name, unit, ours, peer=None, better="higher", target=None, met=None, peer_name=None):
        ratio = None
        if peer not in (None, 0) and ours not in (None, 0):
            ratio = ours / peer if better == "higher" else peer / ours
        self.rows.append({"group": group, "figure": name, "unit": unit, "ours": ours, "peer": peer,
                          "peer_name": peer_name, "ratio": ratio, "target": target, "met": met})


def fmt(value):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if abs(value) >= 1e6:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def build(out_dir, db):
    ours = read_json(os.path.join(out_dir, "ours.json"))
    load = server_load(os.path.join(out_dir, "server.log"))
    rss = proc_kib(os.path.join(out_dir, "server_rss.txt"), "VmRSS")
    py_load = read_json(os.path.join(out_dir, "pyarrow_load.json"))
    py_read = read_json(os.path.join(out_dir, "pyarrow_read.json"))
    py_flight = read_json(os.path.join(out_dir, "pyarrow_flight.json"))
    py_flight_bulk = read_json(os.path.join(out_dir, "pyarrow_flight_bulk.json"))
    duck_point = read_json(os.path.join(out_dir, "duckdb_point.json"))
    duck_bulk = read_json(os.path.join(out_dir, "duckdb_bulk.json"))
    jmh = read_json(os.path.join(out_dir, "jmh.json"))
    f = Figures()

    raw = py_load["raw_bytes"]
    f.add("load", "Parquet bytes (lookup tables)", "GiB", py_load["parquet_bytes"] / GIB)
    f.add("load", "raw bytes of the loaded columns", "GiB", load["table_bytes"] / GIB, raw / GIB,
          better="lower", peer_name="pyarrow")
    f.add("load", "load wall time (Parquet → memory)", "s", load["load_s"], py_load["seconds"], better="lower",
          target="≥ 0.5× pyarrow's rate", met=py_load["seconds"] / load["load_s"] >= 0.5, peer_name="pyarrow")
    f.add("load", "index build time", "s", load["index_s"], target="≤ 2× load time",
          met=load["index_s"] <= 2 * load["load_s"])
    f.add("load", "resident memory after load", "GiB", rss / GIB, py_load["rss_bytes"] / GIB, better="lower",
          target="≤ 1.5× raw column bytes", met=rss <= 1.5 * raw, peer_name="pyarrow")
    f.add("load", "resident memory / raw column bytes", "×", rss / raw, py_load["rss_bytes"] / raw,
          better="lower", peer_name="pyarrow")

    for kind in ["known", "hot", "directories", "unknown"]:
        ours_latency = ours["where_is_one_latency_us"][kind]
        duck = duck_point[kind]
        strict = kind in ("known", "hot")
        f.add("WhereIsOne", f"{kind}: p50", "µs", ours_latency["p50"], duck["p50"], better="lower",
              target="≤ 200 µs, ≥ 50× DuckDB",
              met=ours_latency["p50"] <= 200 and duck["p50"] / ours_latency["p50"] >= 50, peer_name="DuckDB")
        f.add("WhereIsOne", f"{kind}: p99", "µs", ours_latency["p99"], duck["p99"], better="lower",
              target="≤ 1 ms" if strict else None, met=ours_latency["p99"] <= 1000 if strict else None,
              peer_name="DuckDB")
        f.add("WhereIsOne", f"{kind}: max", "µs", ours_latency["max"], duck["max"], better="lower",
              peer_name="DuckDB")
    calls = ours["where_is_one_calls_per_s"]
    f.add("WhereIsOne", "1 client", "calls/s", calls["1"], duck_point["calls_per_s_1_client"], peer_name="DuckDB")
    f.add("WhereIsOne", "8 concurrent clients", "calls/s", calls["8"], duck_point["calls_per_s_1_client"],
          target="≥ 20 000", met=calls["8"] >= 20_000, peer_name="DuckDB (1 connection)")

    floor = ours.get("grpc_floor")
    if floor:
        f.add("WhereIsOne", "known: p50 vs grpc-java's floor", "µs", ours["where_is_one_latency_us"]["known"]["p50"],
              floor["where_is_one_p50_us"], better="lower", peer_name="constant answer")
        f.add("WhereIsOne", "known: p99 vs grpc-java's floor", "µs", ours["where_is_one_latency_us"]["known"]["p99"],
              floor["where_is_one_p99_us"], better="lower", peer_name="constant answer")

    for size in ["100000", "1000000"]:
        f.add("bulk", f"WhereAreOne, {int(size):,} SWHIDs", "SWHIDs/s", ours["where_are_one_swhids_per_s"][size],
              duck_bulk[size], target="≥ 500 000", met=ours["where_are_one_swhids_per_s"][size] >= 500_000,
              peer_name="DuckDB join")
        if floor:
            f.add("bulk", f"WhereAreOne vs grpc-java's floor, {int(size):,} SWHIDs", "SWHIDs/s",
                  ours["where_are_one_swhids_per_s"][size], floor["where_are_one_messages_per_s"][size],
                  peer_name="constant stream")
        f.add("bulk", f"Flight bulk provenance, {int(size):,} SWHIDs", "SWHIDs/s",
              ours["flight_bulk_swhids_per_s"][size], duck_bulk[size], target="≥ 2 000 000",
              met=ours["flight_bulk_swhids_per_s"][size] >= 2_000_000, peer_name="DuckDB join")
        f.add("bulk", f"Flight bulk provenance (pyarrow.flight client), {int(size):,} SWHIDs", "SWHIDs/s",
              py_flight_bulk[size], duck_bulk[size], target="≥ 2 000 000", met=py_flight_bulk[size] >= 2_000_000,
              peer_name="DuckDB join")

    do_get = ours["flight_do_get"]
    loopback = ours["loopback_tcp_bytes_per_s"]
    table = do_get["table"]
    f.add("DoGet", f"{table}: rows/s (Java client)", "rows/s", do_get["rows_per_s"], py_read["rows_per_s"],
          target="≥ pyarrow from Parquet", met=do_get["rows_per_s"] >= py_read["rows_per_s"],
          peer_name="pyarrow reads Parquet")
    f.add("DoGet", f"{table}: GB/s (Java client)", "GB/s", do_get["bytes_per_s"] / 1e9, loopback / 1e9,
          target="≥ 50 % of loopback TCP", met=do_get["bytes_per_s"] >= 0.5 * loopback,
          peer_name="loopback TCP limit")
    f.add("DoGet", f"{table}: rows/s (pyarrow.flight client)", "rows/s", py_flight["rows_per_s"],
          py_read["rows_per_s"], peer_name="pyarrow reads Parquet")

    for result in jmh:
        name = result["benchmark"].rsplit(".", 1)[1]
        f.add("JMH", name, "ns/lookup", result["primaryMetric"]["score"], better="lower")
    return f, {"ours": ours, "server_load": load, "server_rss_bytes": rss, "pyarrow_load": py_load,
               "pyarrow_read": py_read, "pyarrow_flight": py_flight, "pyarrow_flight_bulk": py_flight_bulk, "duckdb_point": duck_point,
               "duckdb_bulk": duck_bulk, "jmh": jmh}


def table_text(figures):
    header = ["group", "figure", "unit", "ours", "peer", "peer is", "ours vs peer", "target", "met"]
    lines = [header]
    for row in figures.rows:
        lines.append([row["group"], row["figure"], row["unit"], fmt(row["ours"]), fmt(row["peer"]),
                      row["peer_name"] or "—", "—" if row["ratio"] is None else f"{row['ratio']:.3g}×",
                      row["target"] or "—", {True: "yes", False: "NO", None: "—"}[row["met"]]])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = ["| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |" for line in lines]
    rendered.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(rendered)


def chart(figures, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    compared = [r for r in figures.rows if r["ratio"] is not None and r["group"] != "load"]
    latency = [r for r in figures.rows if r["group"] == "WhereIsOne" and r["unit"] == "µs"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 7), gridspec_kw={"width_ratios": [3, 2]})
    names = [f"{r['group']}: {r['figure']}" for r in compared]
    color = {True: "tab:green", False: "tab:red", None: "tab:gray"}
    colors = [color[r["met"]] for r in compared]
    left.barh(names, [r["ratio"] for r in compared], color=colors)
    left.set_xscale("log")
    left.axvline(1, color="black", linewidth=0.8)
    left.invert_yaxis()
    left.set_xlabel("ours vs peer, × better (green: target met, red: missed, gray: no target)")
    left.tick_params(axis="y", labelsize=7)
    right.barh([r["figure"] for r in latency], [r["ours"] for r in latency],
               color=[color[r["met"]] for r in latency])
    right.set_xscale("log")
    right.axvline(200, color="tab:orange", linestyle="--", label="p50 target 200 µs")
    right.axvline(1000, color="tab:red", linestyle="--", label="p99 target 1 ms")
    right.invert_yaxis()
    right.set_xlabel("WhereIsOne latency over loopback, µs (Java client)")
    right.legend(fontsize=8)
    right.tick_params(axis="y", labelsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--png", required=True)
    args = parser.parse_args()
    figures, raw = build(args.out_dir, args.db)
    sidecar = read_json(os.path.join(args.db, "_synthetic.json"))
    result = {"scale": float(args.scale), "seed": int(args.seed), "database_rows": sidecar["rows"],
              "total_rows": sidecar["total_rows"], "machine": machine(), "figures": figures.rows, "raw": raw}
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    title = f"scale {args.scale}: {sidecar['total_rows']:,} rows; {result['machine']['cores']} cores"
    chart(figures, args.png, title)
    print(f"Benchmark at {title}")
    print(table_text(figures))
    missed = sum(1 for r in figures.rows if r["met"] is False)
    print(f"targets met: {sum(1 for r in figures.rows if r['met'])}, missed: {missed}")


if __name__ == "__main__":
    main()
