"""Merges the figures of one bench/run.sh run into two tables (stdout), a JSON file and a PNG chart.

Table 1 is the memory-mapped index (issue 12) beside the in-memory mode measured in the same run;
table 2 is the in-memory server against its peers (DuckDB, pyarrow, grpc-java's floor). Figures
measured in several rounds are medians over the rounds.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess

GIB = 1 << 30


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_text(path):
    with open(path) as f:
        return f.read()


def proc_status(path):
    """The memory lines of a /proc/PID/status snapshot, in bytes."""
    values = {}
    for line in read_text(path).splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            values[key] = int(value.split()[0]) * 1024
    return values


def proc_stat(path):
    """CPU seconds and page faults from a /proc/PID/stat snapshot."""
    fields = read_text(path).rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {"minor_faults": int(fields[7]), "major_faults": int(fields[9]), "user_s": int(fields[11]) / ticks,
            "sys_s": int(fields[12]) / ticks}


def metrics(path):
    """The unlabelled swh_provenance_grpc_server_* gauges of a Prometheus scrape."""
    values = {}
    for line in read_text(path).splitlines():
        match = re.match(r"swh_provenance_grpc_server_(\w+) ([-+0-9.eE]+)$", line)
        if match:
            values[match.group(1)] = float(match.group(2))
    return values


def start_seconds(out_dir, name, line_mark="serving on"):
    """From the launch of the JVM (run.sh's clock) to the server's first log line holding
    `line_mark`: "serving on" (SERVING) or "listening on" (the port is open, the database not yet)."""
    launch_ms = int(read_text(os.path.join(out_dir, name + ".launch_ms")))
    for line in read_text(os.path.join(out_dir, name + ".log")).splitlines():
        if line_mark in line:
            stamp = datetime.datetime.fromisoformat(line.split(" ", 1)[0])
            return stamp.timestamp() - launch_ms / 1e3
    raise RuntimeError(f"no {line_mark!r} line in {name}.log")


def startup_line(out_dir, name):
    """Load, index or mapping times and sizes from a server's startup line (or index's summary)."""
    text = read_text(os.path.join(out_dir, name))
    unit = lambda u: 1 << (10 * " KMGTPE".index(u))
    figures = {}
    built = re.search(r"loaded in (\d+) ms, indexed in (\d+) ms", text)
    if built:
        figures.update(load_s=int(built.group(1)) / 1e3, index_s=int(built.group(2)) / 1e3)
    saved = re.search(r"saved in (\d+) ms", text)
    if saved:
        figures["save_s"] = int(saved.group(1)) / 1e3
    mapped = re.search(r"mapped [\d.]+ \wiB from \S+ in (\d+) ms", text)
    if mapped:
        figures["map_s"] = int(mapped.group(1)) / 1e3
    sizes = re.search(r"([\d.]+) (\w)iB (?:of native memory|in \S+|from \S+ in \d+ ms) "
                      r"\(tables ([\d.]+) (\w)iB, indices ([\d.]+) (\w)iB\)", text)
    if sizes:
        figures.update(bytes=float(sizes.group(1)) * unit(sizes.group(2)),
                       table_bytes=float(sizes.group(3)) * unit(sizes.group(4)),
                       index_bytes=float(sizes.group(5)) * unit(sizes.group(6)))
    return figures


def median_tree(trees):
    """The median of every number found at the same place in each of `trees` (JSON objects)."""
    first = trees[0]
    if isinstance(first, dict):
        return {key: median_tree([t[key] for t in trees if key in t]) for key in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return statistics.median(trees)
    return first


def rounds(out_dir, pattern):
    paths = sorted(glob.glob(os.path.join(out_dir, pattern)))
    if not paths:
        raise RuntimeError(f"no {pattern} in {out_dir}")
    return [read_json(p) for p in paths]


def answers(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("\t", 1) for line in f if line.strip())


def same_answers(ours, reference):
    """How many of `reference`'s SWHIDs `ours` answers identically, of how many."""
    same = sum(1 for swhid, answer in reference.items() if ours.get(swhid) == answer)
    return same, len(reference)


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    java_bin = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    java = subprocess.run([java_bin, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    import duckdb
    import pyarrow
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE")
            * os.sysconf("SC_PHYS_PAGES") / GIB, 1), "os": platform.platform(), "java": java,
            "duckdb": duckdb.__version__, "pyarrow": pyarrow.__version__, "load_average_at_report": load}


def fmt(value):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def render(header, lines):
    widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
    rendered = ["| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |"
                for line in [header] + lines]
    rendered.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(rendered)


MET = {True: "yes", False: "NO", None: "—"}


class PeerFigures:
    """Table 2 rows: figure, ours (in-memory), peer, ratio (how many times better we are), target, met."""

    def __init__(self):
        self.rows = []

    def add(self, group, name, unit, ours, peer=None, better="higher", target=None, met=None, peer_name=None):
        ratio = None
        if peer not in (None, 0) and ours not in (None, 0):
            ratio = ours / peer if better == "higher" else peer / ours
        self.rows.append({"group": group, "figure": name, "unit": unit, "ours": ours, "peer": peer,
                          "peer_name": peer_name, "ratio": ratio, "target": target, "met": met})

    def text(self):
        return render(["group", "figure", "unit", "ours (in memory)", "peer", "peer is", "ours vs peer", "target", "met"],
                      [[r["group"], r["figure"], r["unit"], fmt(r["ours"]), fmt(r["peer"]), r["peer_name"] or "—",
                        "—" if r["ratio"] is None else f"{r['ratio']:.3g}×", r["target"] or "—", MET[r["met"]]]
                       for r in self.rows])


class ModeFigures:
    """Table 1 rows: a figure of the mapped server beside the in-memory server's (and a peer's), the
    factor mapped / in-memory (> 1: the mapped server is slower or bigger), and the issue's target:
    met when `judged` (a value of the row) is at most `bound`."""

    def __init__(self):
        self.rows = []

    def add(self, group, name, unit, mapped, memory=None, better="lower", peer=None, peer_name=None,
            target=None, judged=None, bound=None):
        factor = None
        if isinstance(mapped, (int, float)) and isinstance(memory, (int, float)) and mapped and memory:
            factor = mapped / memory if better == "lower" else memory / mapped
        if judged == "factor":
            judged = factor
        met = None if bound is None or judged is None else judged <= bound
        self.rows.append({"group": group, "figure": name, "unit": unit, "mapped": mapped, "memory": memory,
                          "factor": factor, "peer": peer, "peer_name": peer_name, "target": target,
                          "judged": judged, "bound": bound, "met": met})

    def text(self):
        return render(["group", "figure", "unit", "mapped", "in memory", "mapped ÷ in memory", "peer", "peer is",
                       "target", "met"],
                      [[r["group"], r["figure"], r["unit"], fmt(r["mapped"]), fmt(r["memory"]),
                        "—" if r["factor"] is None else f"{r['factor']:.3g}×", fmt(r["peer"]), r["peer_name"] or "—",
                        r["target"] or "—", MET[r["met"]]] for r in self.rows])


KINDS = ["known", "hot", "directories", "unknown"]
# The first cold lookups also read the small regions (revision ranks, origin offsets) from disk;
# the figures "after" leave them out.
COLD_SETTLING = 250


def fault_files(out_dir):
    """Major faults of the cold server by index file, from perf's fault addresses and the server's
    /proc/PID/maps (nothing when perf was not available)."""
    path = os.path.join(out_dir, "cold.fault_addresses")
    if not os.path.exists(path):
        return {}
    regions = []
    for line in read_text(os.path.join(out_dir, "cold.maps")).splitlines():
        fields = line.split()
        if len(fields) >= 6 and "-index/" in fields[5]:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            regions.append((start, end, os.path.basename(fields[5])))
    counts = {}
    for line in read_text(path).split():
        address = int(line, 16)
        name = next((n for start, end, n in regions if start <= address < end), "other (not the index)")
        counts[name] = counts.get(name, 0) + 1
    return counts
BULK = ["100000", "1000000"]


def issue_12(out_dir, scale, small_scale, memory, mapped):
    """Table 1: the issue's Benchmarks list, mapped beside in-memory."""
    f = ModeFigures()
    starts = {}
    for cache in ["cold", "warm", "aot"]:
        for s in [scale, small_scale]:
            names = [os.path.basename(p)[:-len(".log")] for p in
                     sorted(glob.glob(os.path.join(out_dir, f"start-mapped-{s}-{cache}-*.log")))]
            starts[(s, cache)] = {
                "seconds": [start_seconds(out_dir, n) for n in names],
                "listening": [start_seconds(out_dir, n, "listening on") for n in names],
                "map_s": [startup_line(out_dir, n + ".log")["map_s"] for n in names],
                "rss_anon": [proc_status(os.path.join(out_dir, n + ".after_start.status"))["RssAnon"] for n in names],
                "rss_file": [proc_status(os.path.join(out_dir, n + ".after_start.status"))["RssFile"] for n in names],
                "jvm": [int(read_text(os.path.join(out_dir, n + ".jvm_ms"))) / 1e3 for n in names]}
    memory_start = start_seconds(out_dir, "memory")
    memory_small_start = start_seconds(out_dir, "start-memory-small")
    med = lambda values: statistics.median(values)
    cases = {"cold": "index evicted from the page cache", "warm": "index in the page cache",
             "aot": "index evicted, JDK AOT cache (-XX:AOTCache)"}
    for cache, words in cases.items():
        for s in [scale, small_scale]:
            seconds = med(starts[(s, cache)]["seconds"])
            f.add("start", f"start to SERVING, scale {s}, {words}", "s", seconds,
                  memory_start if s == scale else memory_small_start, peer=med(starts[(s, cache)]["jvm"]),
                  peer_name="JVM start (--version), just before",
                  target="≤ 2 s" if s == scale else None, judged=seconds if s == scale else None,
                  bound=2 if s == scale else None)
    for cache, words in cases.items():
        ratio = med(starts[(scale, cache)]["seconds"]) / med(starts[(small_scale, cache)]["seconds"])
        f.add("start", f"start scale {scale} ÷ scale {small_scale}, {words}", "×", ratio,
              memory_start / memory_small_start, target="≤ 2×", judged=ratio, bound=2)
    for cache in ["cold", "aot"]:
        listening = med(starts[(scale, cache)]["listening"])
        f.add("start", f"of which JVM start to listening, scale {scale}, {cases[cache]}", "s", listening,
              start_seconds(out_dir, "memory", "listening on"))
        f.add("start", f"of which listening to SERVING, scale {scale}, {cases[cache]}", "s",
              med(starts[(scale, cache)]["seconds"]) - listening,
              memory_start - start_seconds(out_dir, "memory", "listening on"))
    f.add("start", f"of which opening the mapped tables and indices (log), scale {scale}, index evicted", "s",
          med(starts[(scale, "cold")]["map_s"]), memory["load"]["load_s"] + memory["load"]["index_s"])

    mem_after = proc_status(os.path.join(out_dir, "memory.after_start.status"))
    map_after = proc_status(os.path.join(out_dir, "mapped.after_start.status"))
    mem_bench = proc_status(os.path.join(out_dir, "memory.after_bench.status"))
    map_bench = proc_status(os.path.join(out_dir, "mapped.after_bench.status"))
    rss_anon = med(starts[(scale, "cold")]["rss_anon"])
    f.add("memory", f"RssAnon after start, scale {scale}, index evicted", "GiB", rss_anon / GIB,
          mem_after["RssAnon"] / GIB, target="≤ 0.5 GiB", judged=rss_anon / GIB, bound=0.5)
    f.add("memory", f"RssAnon after start, scale {small_scale}, index evicted", "GiB",
          med(starts[(small_scale, "cold")]["rss_anon"]) / GIB,
          proc_status(os.path.join(out_dir, "start-memory-small.after_start.status"))["RssAnon"] / GIB)
    f.add("memory", f"RssFile after start, scale {scale}, index evicted", "GiB",
          med(starts[(scale, "cold")]["rss_file"]) / GIB, mem_after["RssFile"] / GIB)
    f.add("memory", f"RssAnon after start, scale {scale}, index in the page cache", "GiB", map_after["RssAnon"] / GIB,
          mem_after["RssAnon"] / GIB, target="≤ 0.5 GiB", judged=map_after["RssAnon"] / GIB, bound=0.5)
    faults = {mode: proc_stat(os.path.join(out_dir, f"{mode}.after_rounds.stat"))["major_faults"]
              - proc_stat(os.path.join(out_dir, f"{mode}.before_rounds.stat"))["major_faults"]
              for mode in ("mapped", "memory")}
    f.add("memory", "major page faults during the measured warm rounds", "faults", faults["mapped"], faults["memory"])
    f.add("memory", "RssAnon after the warm benchmark", "GiB", map_bench["RssAnon"] / GIB, mem_bench["RssAnon"] / GIB)
    f.add("memory", "RssFile after the warm benchmark", "GiB", map_bench["RssFile"] / GIB, mem_bench["RssFile"] / GIB)
    f.add("memory", "database_mapped_bytes gauge", "GiB", mapped["metrics"]["database_mapped_bytes"] / GIB,
          memory["metrics"]["database_mapped_bytes"] / GIB)
    f.add("memory", "database_bytes gauge (tables and indices)", "GiB", mapped["metrics"]["database_bytes"] / GIB,
          memory["metrics"]["database_bytes"] / GIB)

    bound_text = "≤ 1.2× in memory"
    for kind in KINDS:
        for q in ["p50", "p99"]:
            f.add("warm", f"WhereIsOne {kind}: {q}", "µs", mapped["ours"]["where_is_one_latency_us"][kind][q],
                  memory["ours"]["where_is_one_latency_us"][kind][q], target=bound_text, judged="factor", bound=1.2)
    for clients in ["1", "8"]:
        f.add("warm", f"WhereIsOne, {clients} client{'s' if clients != '1' else ''}", "calls/s",
              mapped["ours"]["where_is_one_calls_per_s"][clients], memory["ours"]["where_is_one_calls_per_s"][clients],
              better="higher")
    for size in BULK:
        f.add("warm", f"WhereAreOne, {int(size):,} SWHIDs", "SWHIDs/s", mapped["ours"]["where_are_one_swhids_per_s"][size],
              memory["ours"]["where_are_one_swhids_per_s"][size], better="higher")
    for size in BULK:
        f.add("warm", f"Flight bulk provenance, {int(size):,} SWHIDs (Java client)", "SWHIDs/s",
              mapped["ours"]["flight_bulk_swhids_per_s"][size], memory["ours"]["flight_bulk_swhids_per_s"][size],
              better="higher", target=bound_text, judged="factor", bound=1.2)
        f.add("warm", f"Flight bulk provenance, {int(size):,} SWHIDs (pyarrow.flight)", "SWHIDs/s",
              mapped["pyarrow_flight_bulk"][size], memory["pyarrow_flight_bulk"][size],
              better="higher", target=bound_text, judged="factor", bound=1.2)
    table = memory["ours"]["flight_do_get"]["table"]
    f.add("warm", f"DoGet {table} (Java client)", "rows/s", mapped["ours"]["flight_do_get"]["rows_per_s"],
          memory["ours"]["flight_do_get"]["rows_per_s"], better="higher", target=bound_text, judged="factor", bound=1.2)
    f.add("warm", f"DoGet {table} (pyarrow.flight)", "rows/s", mapped["pyarrow_flight"]["rows_per_s"],
          memory["pyarrow_flight"]["rows_per_s"], better="higher", target=bound_text, judged="factor", bound=1.2)
    same, total = same_answers(answers(os.path.join(out_dir, "answers-mapped.txt")),
                               answers(os.path.join(out_dir, "answers-memory.txt")))
    f.add("warm", "answers = in-memory server's", "SWHIDs", f"{same} of {total}", target="all", judged=total - same,
          bound=0)
    for name in sorted(set(mapped["jmh"]) | set(memory["jmh"])):
        f.add("warm", f"JMH {name} (in process)", "ns", mapped["jmh"].get(name), memory["jmh"].get(name))

    cold = read_json(os.path.join(out_dir, "cold.json"))["servers"]["cold"]["cold"]
    in_order = cold["micros_in_call_order"]
    cold["p90"] = sorted(in_order)[int(0.9 * len(in_order)) - 1]
    duck_cold = read_json(os.path.join(out_dir, "duckdb_cold.json"))
    for q in ["p50", "p90", "p99", "max"]:
        f.add("cold", f"WhereIsOne {q}, random known contents, index evicted ({cold['calls']} calls)", "µs", cold[q],
              peer=duck_cold.get(q), peer_name=f"DuckDB, Parquet evicted ({duck_cold['calls']} queries)",
              target="≤ 5 ms" if q == "p99" else None, judged=cold[q] / 1e3 if q == "p99" else None,
              bound=5 if q == "p99" else None)
    disk = read_json(os.path.join(out_dir, "disk_latency.json"))
    for q in ["p50", "p99"]:
        f.add("cold", f"one random 4 KiB read from disk ({disk['calls']} reads, file evicted): {q}", "µs", disk[q])
    for q in ["p50", "p99"]:
        f.add("cold", f"{disk['group']} random 4 KiB reads in a row ({disk['groups']['calls']} times): {q}", "µs",
              disk["groups"][q])
    settled = sorted(in_order[COLD_SETTLING:])
    for q, at in [("p50", 0.5), ("p99", 0.99)]:
        f.add("cold", f"WhereIsOne {q}, the same after the first {COLD_SETTLING} lookups", "µs",
              settled[int(at * len(settled)) - 1])
    f.add("cold", "pages read from disk per cold lookup (bytes read ÷ 4 KiB)", "pages",
          cold["read_bytes"] / 4096 / cold["calls"])
    f.add("cold", "page faults per cold lookup that started a disk read (major faults; the others were read ahead)",
          "pages", cold["major_faults"] / cold["calls"])
    f.add("cold", "bytes read from disk per cold lookup", "KiB", cold["read_bytes"] / cold["calls"] / 1024)
    by_file = fault_files(out_dir)
    for name, faults in sorted(by_file.items(), key=lambda item: -item[1]):
        f.add("cold", f"of which in {name} (perf: major-fault addresses)", "pages", faults / cold["calls"])
    return f, {"starts": {f"{s}-{c}": v for (s, c), v in starts.items()},
               "memory_start_s": memory_start, "memory_small_start_s": memory_small_start, "cold": cold,
               "duckdb_cold": {k: v for k, v in duck_cold.items() if k != "answers"}, "disk_latency": disk}


def cgroup_and_index(f, out_dir, db, scale, small_scale, memory, duck_answers, duck_cold_answers):
    """Table 1, continued: the mapped server in a memory cgroup, and the index build."""
    limit = int(read_text(os.path.join(out_dir, "cgroup.limit_bytes")))
    mem_rss = proc_status(os.path.join(out_dir, "memory.after_start.status"))["VmRSS"]
    index_bytes = read_json(os.path.join(out_dir, f"index-{scale}.json"))["disk_bytes"]
    f.add("cgroup", "memory limit (memory.limit_in_bytes) vs the in-memory server's VmRSS", "GiB", limit / GIB, mem_rss / GIB)
    f.add("cgroup", "index bytes on disk ÷ memory limit", "×", index_bytes / limit)
    same, total = same_answers(answers(os.path.join(out_dir, "answers-cgroup.txt")),
                               answers(os.path.join(out_dir, "answers-memory.txt")))
    f.add("cgroup", "answers in the cgroup = in-memory server's", "SWHIDs", f"{same} of {total}", target="all",
          judged=total - same, bound=0)
    brute = {**duck_answers, **duck_cold_answers}
    same, total = same_answers(answers(os.path.join(out_dir, "answers-cgroup.txt")),
                               {k: v.split("\t", 1)[1] for k, v in brute.items()})
    f.add("cgroup", "answers in the cgroup = DuckDB's (SQL over the Parquet files)", "SWHIDs", f"{same} of {total}",
          target="all", judged=total - same, bound=0)
    ours = read_json(os.path.join(out_dir, "ours-cgroup.json"))["servers"]["cgroup"]
    read_all = ours["flight_do_get_all"]
    f.add("cgroup", f"DoGet of every table once, first ({len(read_all)} tables)", "GiB",
          sum(t["bytes"] for t in read_all.values()) / GIB)
    for kind in KINDS:
        for q in ["p50", "p99"]:
            f.add("cgroup", f"WhereIsOne {kind}: {q}", "µs", ours["where_is_one_latency_us"][kind][q],
                  memory["ours"]["where_is_one_latency_us"][kind][q])
    for size in BULK:
        f.add("cgroup", f"Flight bulk provenance, {int(size):,} SWHIDs (Java client)", "SWHIDs/s",
              ours["flight_bulk_swhids_per_s"][size], memory["ours"]["flight_bulk_swhids_per_s"][size], better="higher")
    f.add("cgroup", f"DoGet {ours['flight_do_get']['table']} (Java client)", "rows/s",
          ours["flight_do_get"]["rows_per_s"], memory["ours"]["flight_do_get"]["rows_per_s"], better="higher")
    stat = dict(line.split() for line in read_text(os.path.join(out_dir, "cgroup.memory.stat")).splitlines())
    oom = dict(line.split() for line in read_text(os.path.join(out_dir, "cgroup.memory.oom_control")).splitlines())
    after = proc_status(os.path.join(out_dir, "cgroup.after_bench.status"))
    f.add("cgroup", "peak usage (memory.max_usage_in_bytes)", "GiB",
          int(read_text(os.path.join(out_dir, "cgroup.memory.max_usage_in_bytes"))) / GIB)
    f.add("cgroup", "RssAnon / RssFile at the end", "GiB",
          f"{after['RssAnon'] / GIB:.2f} / {after['RssFile'] / GIB:.2f}")
    f.add("cgroup", "limit reached (memory.failcnt), major faults (pgmajfault)", "times",
          f"{int(read_text(os.path.join(out_dir, 'cgroup.memory.failcnt')))}, {int(stat['total_pgmajfault']):,}")
    f.add("cgroup", "OOM kills (memory.oom_control)", "", int(oom.get("oom_kill", 0)), target="0",
          judged=int(oom.get("oom_kill", 0)), bound=0)

    memory_build = memory["load"]["load_s"] + memory["load"]["index_s"]
    memory_cpu = proc_stat(os.path.join(out_dir, "memory.after_start.stat"))
    for s in [scale, small_scale]:
        build = read_json(os.path.join(out_dir, f"index-{s}.json"))
        summary = startup_line(out_dir, f"index-{s}.log")
        if s == scale:
            f.add("index", f"index build time, scale {s} (logs: load + index + save; in memory: load + index)", "s",
                  summary["load_s"] + summary["index_s"] + summary["save_s"], memory_build,
                  target="≤ in-memory load + index", judged="factor", bound=1)
            f.add("index", f"of which load, index, save, scale {s}", "s",
                  f"{summary['load_s']:.2f}, {summary['index_s']:.2f}, {summary['save_s']:.2f}",
                  f"{memory['load']['load_s']:.2f}, {memory['load']['index_s']:.2f}, —")
            f.add("index", f"index build, wall, JVM included, scale {s} (in memory: launch to SERVING)", "s",
                  build["seconds"], memory["start_s"])
            f.add("index", f"CPU user, scale {s} (in memory: at SERVING)", "s", build["user_s"], memory_cpu["user_s"])
            f.add("index", f"CPU system, scale {s} (in memory: at SERVING)", "s", build["sys_s"], memory_cpu["sys_s"])
            f.add("index", f"minor page faults, scale {s} (in memory: at SERVING)", "faults", build["minor_faults"],
                  memory_cpu["minor_faults"])
            index_dir = f"{db}-index"
            headers = sum(os.path.getsize(os.path.join(index_dir, name)) for name in ("index.json", "index.json.sha256"))
            regions = sum(os.path.getsize(os.path.join(index_dir, name)) for name in os.listdir(index_dir)
                          if not name.startswith(("index.json", ".")))
            f.add("index", f"index bytes: region files (and a {headers:,}-byte header), scale {s}", "GiB",
                  regions / GIB, memory["metrics"]["database_bytes"] / GIB, target="≤ in-memory Arrow memory",
                  judged="factor", bound=1)
            f.add("index", f"index bytes allocated on disk (du), scale {s}", "GiB", build["disk_bytes"] / GIB,
                  memory["metrics"]["database_bytes"] / GIB)
        else:
            f.add("index", f"index build time, scale {s} (wall, JVM included)", "s", build["seconds"])
            f.add("index", f"index bytes on disk (du), scale {s}", "GiB", build["disk_bytes"] / GIB)
    f.add("index", f"index bytes per database row, scale {scale}", "B",
          read_json(os.path.join(out_dir, f"index-{scale}.json"))["disk_bytes"]
          / read_json(os.path.join(db, "_synthetic.json"))["total_rows"])


def mode_figures(out_dir, mode, jmh):
    """One server's warm figures: medians over the rounds, its startup, gauges, pyarrow.flight and JMH."""
    measured = [run["servers"][mode] for run in rounds(out_dir, "ours-*.json") if mode in run.get("servers", {})]
    ours = median_tree(measured)
    floor = read_json(os.path.join(out_dir, "floor.json"))
    ours.update({key: floor[key] for key in ("loopback_tcp_bytes_per_s", "grpc_floor")})
    return {"ours": ours, "rounds": measured,
            "load": startup_line(out_dir, f"{mode}.log"), "start_s": start_seconds(out_dir, mode),
            "metrics": metrics(os.path.join(out_dir, f"{mode}.after_start.metrics")),
            "pyarrow_flight": read_json(os.path.join(out_dir, "pyarrow_flight.json"))[mode],
            "pyarrow_flight_bulk": read_json(os.path.join(out_dir, "pyarrow_flight_bulk.json"))[mode],
            "jmh": {r["benchmark"].rsplit(".", 1)[1]: r["primaryMetric"]["score"] for r in jmh
                    if r["params"]["store"] == mode}}


def peers_table(out_dir, memory):
    """Table 2: the in-memory server against its peers (as before issue 12)."""
    ours = memory["ours"]
    load = memory["load"]
    rss = proc_status(os.path.join(out_dir, "memory.after_start.status"))["VmRSS"]
    py_load = read_json(os.path.join(out_dir, "pyarrow_load.json"))
    py_read = read_json(os.path.join(out_dir, "pyarrow_read.json"))
    py_flight = memory["pyarrow_flight"]
    py_flight_bulk = memory["pyarrow_flight_bulk"]
    duck_point = read_json(os.path.join(out_dir, "duckdb_point.json"))
    duck_bulk = read_json(os.path.join(out_dir, "duckdb_bulk.json"))
    f = PeerFigures()

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

    for kind in KINDS:
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

    floor = ours["grpc_floor"]
    f.add("WhereIsOne", "known: p50 vs grpc-java's floor", "µs", ours["where_is_one_latency_us"]["known"]["p50"],
          floor["where_is_one_p50_us"], better="lower", peer_name="constant answer")
    f.add("WhereIsOne", "known: p99 vs grpc-java's floor", "µs", ours["where_is_one_latency_us"]["known"]["p99"],
          floor["where_is_one_p99_us"], better="lower", peer_name="constant answer")

    for size in BULK:
        f.add("bulk", f"WhereAreOne, {int(size):,} SWHIDs", "SWHIDs/s", ours["where_are_one_swhids_per_s"][size],
              duck_bulk[size], target="≥ 500 000", met=ours["where_are_one_swhids_per_s"][size] >= 500_000,
              peer_name="DuckDB join")
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

    for name, score in sorted(memory["jmh"].items()):
        f.add("JMH", name, "ns/lookup", score, better="lower")
    return f, {"pyarrow_load": py_load, "pyarrow_read": py_read, "duckdb_point": duck_point, "duckdb_bulk": duck_bulk}


def chart(peers, modes, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    color = {True: "tab:green", False: "tab:red", None: "tab:gray"}
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(24, 10), gridspec_kw={"width_ratios": [3, 3, 2]})

    judged = [r for r in modes.rows if r["bound"] is not None and isinstance(r["judged"], (int, float))
              and r["bound"] > 0]
    left.barh([f"{r['group']}: {r['figure']}" for r in judged], [r["judged"] / r["bound"] for r in judged],
              color=[color[r["met"]] for r in judged])
    left.axvline(1, color="black", linewidth=0.8)
    left.invert_yaxis()
    left.set_xlabel("issue 12, mapped index: figure ÷ its bound (≤ 1: target met)")
    left.tick_params(axis="y", labelsize=7)

    compared = [r for r in peers.rows if r["ratio"] is not None and r["group"] != "load"]
    middle.barh([f"{r['group']}: {r['figure']}" for r in compared], [r["ratio"] for r in compared],
                color=[color[r["met"]] for r in compared])
    middle.set_xscale("log")
    middle.axvline(1, color="black", linewidth=0.8)
    middle.invert_yaxis()
    middle.set_xlabel("in-memory server vs peer, × better (green: target met, red: missed)")
    middle.tick_params(axis="y", labelsize=7)

    latency = [r for r in modes.rows if r["unit"] == "µs" and r["group"] in ("warm", "cgroup", "cold")]
    labels = [f"{r['group']}: {r['figure'].split(',')[0]}" for r in latency]
    y = range(len(latency))
    right.barh([i - 0.2 for i in y], [r["mapped"] for r in latency], height=0.4, label="mapped", color="tab:blue")
    right.barh([i + 0.2 for i in y], [r["memory"] or 0 for r in latency], height=0.4, label="in memory",
               color="tab:orange")
    right.set_yticks(list(y), labels)
    right.set_xscale("log")
    right.invert_yaxis()
    right.set_xlabel("latency, µs (WhereIsOne: Java client over loopback)")
    right.legend(fontsize=8)
    right.tick_params(axis="y", labelsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--small-scale", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--png", required=True)
    args = parser.parse_args()
    out = args.out_dir
    jmh = read_json(os.path.join(out, "jmh.json"))
    memory = mode_figures(out, "memory", jmh)
    mapped = mode_figures(out, "mapped", jmh)
    run_rounds = len(memory["rounds"])
    modes, raw_modes = issue_12(out, args.scale, args.small_scale, memory, mapped)
    duck_point = read_json(os.path.join(out, "duckdb_point.json"))
    duck_cold = read_json(os.path.join(out, "duckdb_cold.json"))
    cgroup_and_index(modes, out, args.db, args.scale, args.small_scale, memory, duck_point["answers"],
                     duck_cold["answers"])
    peers, raw_peers = peers_table(out, memory)
    sidecar = read_json(os.path.join(args.db, "_synthetic.json"))
    result = {"scale": float(args.scale), "small_scale": float(args.small_scale), "seed": int(args.seed),
              "rounds": run_rounds, "database_rows": sidecar["rows"], "total_rows": sidecar["total_rows"],
              "machine": machine(), "mapped_vs_memory": modes.rows, "figures": peers.rows,
              "raw": {"memory": memory, "mapped": mapped, **raw_modes, **raw_peers}}
    result["raw"]["duckdb_point"] = {k: v for k, v in duck_point.items() if k != "answers"}
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    title = (f"scale {args.scale}: {sidecar['total_rows']:,} rows; {result['machine']['cores']} cores; "
             f"medians of {run_rounds} rounds")
    chart(peers, modes, args.png, title)
    print(f"Benchmark at {title}")
    print()
    print("Table 1: memory-mapped index (issue 12) beside the in-memory mode, same run")
    print(modes.text())
    print()
    print("Table 2: the in-memory server against its peers")
    print(peers.text())
    for name, figures in (("table 1", modes), ("table 2", peers)):
        print(f"{name}: targets met {sum(1 for r in figures.rows if r['met'])}, "
              f"missed {sum(1 for r in figures.rows if r['met'] is False)}")


if __name__ == "__main__":
    main()
