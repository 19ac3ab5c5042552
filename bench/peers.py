"""The peers of bench/run.sh, on the same Parquet files as the server: pyarrow and DuckDB.

Subcommands (each prints one JSON object on stdout):
  touch-memory GIB          write GIB GiB once and free them (see touch_memory)
  prepare DB QUERIES        write the SWHID lists the Java driver and the peers share
  load DB                   pyarrow reads the columns the server loads: wall time, RSS, raw bytes
  read-table DB TABLE       pyarrow reads one table's loaded columns from Parquet: rows/s, bytes/s
  duckdb-point DB QUERIES   warm DuckDB answers WhereIsOne with one SQL query per SWHID
  duckdb-cold DB QUERIES    the same for random known contents, the Parquet files evicted from the
                            page cache (vmtouch -e) and a new DuckDB database before each query
  duckdb-bulk DB QUERIES    DuckDB joins 100 000 and 1 000 000 SWHIDs (bulk provenance)
  flight-read TABLE NAME=PORT...    pyarrow.flight reads the whole table from each server
                            (the reference client), the servers taking turns
  flight-bulk QUERIES NAME=PORT...  pyarrow.flight bulk provenance by DoExchange, the servers
                            taking turns
  disk-latency FILE         4 KiB reads at random offsets of FILE (evicted from the page cache), one
                            at a time: this disk's latency, alone and 6 in a row (a cold lookup's floor)
  evict PID DIR             pages the files of DIR out of process PID's mappings and out of the
                            page cache: the resident bytes before and after
"""
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

# The columns the server loads for lookups (docs/architecture.md, "Database layout").
LOOKUP_COLUMNS = {
    "nodes": ["id", "type", "sha1_git"],
    "origins": ["id", "url"],
    "contents_in_revisions_without_frontiers": ["cnt", "revrel", "revrel_author_date"],
    "contents_in_frontier_directories": ["cnt", "dir"],
    "frontier_directories_in_revisions": ["dir", "revrel", "revrel_author_date"],
    "revisions_in_origins": ["revrel", "ori"],
}
BULK_SIZES = [100_000, 1_000_000]


def dataset(db, table):
    return ds.dataset(os.path.join(db, table), format="parquet")


def rss_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def parquet_bytes(db):
    total = 0
    for table in LOOKUP_COLUMNS:
        for root, _, files in os.walk(os.path.join(db, table)):
            total += sum(os.path.getsize(os.path.join(root, f)) for f in files if f.endswith(".parquet"))
    return total


def touch_memory(gib):
    """Writes `gib` GiB once, then frees them. Virtual machines like the development one back
    guest memory on its first touch (2.6 s per GiB there, 0.33 s per GiB after): without this,
    whichever program of the run touches fresh memory first pays for it, and load times depend on
    the order of the run."""
    start = time.perf_counter()
    block = np.ones(int(float(gib) * 2**30), dtype=np.uint8)
    del block
    return {"gib": float(gib), "seconds": time.perf_counter() - start}


def prepare(db, queries):
    os.makedirs(queries, exist_ok=True)
    rng = np.random.default_rng(42)
    nodes = dataset(db, "nodes").to_table(columns=["type", "sha1_git"])
    types = nodes.column("type").to_numpy(zero_copy_only=False).astype(str)
    hashes = nodes.column("sha1_git")

    def swhids(kind, indexes):
        return [f"swh:1:{kind}:{hashes[int(i)].as_py().hex()}" for i in indexes]

    contents = np.flatnonzero(types == "cnt")
    directories = np.flatnonzero(types == "dir")
    known = rng.choice(contents, size=min(2000, len(contents)), replace=False)
    bulk = rng.choice(contents, size=min(BULK_SIZES[-1], len(contents)), replace=False)
    bulk = np.resize(bulk, BULK_SIZES[-1])
    dirs = rng.choice(directories, size=min(2000, len(directories)), replace=False)
    unknown = [f"swh:1:cnt:{rng.bytes(20).hex()}" for _ in range(2000)]
    cold = rng.choice(np.setdiff1d(contents, known), size=min(2000, len(contents) - len(known)), replace=False)
    with open(os.path.join(db, "_synthetic.json")) as sidecar:
        hot = json.load(sidecar)["hot_contents"]
    lists = {"known": swhids("cnt", known), "hot": hot, "directories": swhids("dir", dirs),
             "unknown": unknown, "bulk": swhids("cnt", bulk), "cold": swhids("cnt", cold)}
    for name, values in lists.items():
        with open(os.path.join(queries, name + ".txt"), "w") as out:
            out.write("\n".join(values) + "\n")
    return {name: len(values) for name, values in lists.items()}


def load(db):
    before = rss_bytes()
    start = time.perf_counter()
    tables = {t: dataset(db, t).to_table(columns=cols) for t, cols in LOOKUP_COLUMNS.items()}
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_bytes": rss_bytes() - before,
            "raw_bytes": sum(t.nbytes for t in tables.values()),
            "largest_table": max(tables, key=lambda t: tables[t].nbytes),
            "rows": sum(t.num_rows for t in tables.values()), "parquet_bytes": parquet_bytes(db)}


def median_read(read, reads=3):
    """The median of `reads` timed calls of `read` (which returns a table), as the Java driver measures DoGet."""
    timed = []
    for _ in range(reads):
        start = time.perf_counter()
        data = read()
        timed.append((time.perf_counter() - start, data.num_rows, data.nbytes))
    seconds, rows, nbytes = sorted(timed)[reads // 2]
    return {"rows": rows, "bytes": nbytes, "seconds": seconds, "rows_per_s": rows / seconds,
            "bytes_per_s": nbytes / seconds}


def read_table(db, table):
    dataset(db, table).to_table(columns=LOOKUP_COLUMNS[table])  # warm the page cache
    return {"table": table, **median_read(lambda: dataset(db, table).to_table(columns=LOOKUP_COLUMNS[table]))}


def duckdb_connection(db):
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_object_cache = true")
    for table in LOOKUP_COLUMNS:
        path = os.path.join(db, table, "**", "*.parquet")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return con


# The provenance of one SWHID (docs/architecture.md, "Query semantics"): earliest anchor (date, then node id) among the
# direct revisions, the revisions of its frontier directories, or (for a directory) its own
# revisions; then the smallest origin of that anchor.
POINT_SQL = """
WITH q AS (SELECT id FROM nodes WHERE sha1_git = unhex($hash) AND type = $type),
anchors AS (
  SELECT revrel, revrel_author_date AS d FROM contents_in_revisions_without_frontiers
    WHERE cnt = (SELECT id FROM q)
  UNION ALL
  SELECT r.revrel, r.revrel_author_date FROM contents_in_frontier_directories c
    JOIN frontier_directories_in_revisions r ON r.dir = c.dir WHERE c.cnt = (SELECT id FROM q)
  UNION ALL
  SELECT revrel, revrel_author_date FROM frontier_directories_in_revisions WHERE dir = (SELECT id FROM q)),
best AS (SELECT revrel FROM anchors ORDER BY d, revrel LIMIT 1)
SELECT (SELECT id FROM q) AS node, a.type, a.sha1_git,
  (SELECT o.url FROM revisions_in_origins ro JOIN origins o ON o.id = ro.ori
     WHERE ro.revrel = (SELECT revrel FROM best) ORDER BY ro.ori LIMIT 1) AS origin
FROM (SELECT 1) LEFT JOIN best ON true LEFT JOIN nodes a ON a.id = best.revrel
"""


def point_params(swhid):
    return {"hash": swhid[10:], "type": swhid[6:9]}


def answer_line(swhid, row):
    """The answer of POINT_SQL for `swhid` as the Java driver's answers phase writes it."""
    node, anchor_type, anchor_hash, origin = row
    if node is None:
        return f"{swhid}\tNOT_FOUND"
    anchor = "-" if anchor_type is None else f"swh:1:{anchor_type}:{bytes(anchor_hash).hex()}"
    return f"{swhid}\t{anchor}\t{origin if origin is not None else '-'}"


def percentiles(nanos):
    nanos = sorted(nanos)
    pick = lambda q: nanos[max(0, min(len(nanos) - 1, int(np.ceil(q * len(nanos))) - 1))] / 1e3
    return {"calls": len(nanos), "p50": pick(0.5), "p99": pick(0.99), "max": nanos[-1] / 1e3}


def duckdb_point(db, queries, max_calls=40, max_seconds=20.0):
    con = duckdb_connection(db)
    results = {}
    answers = {}
    for kind in ["known", "hot", "directories", "unknown"]:
        with open(os.path.join(queries, kind + ".txt")) as f:
            swhids = f.read().split()
        for swhid in swhids[:3]:  # warm-up
            con.execute(POINT_SQL, point_params(swhid)).fetchall()
        nanos = []
        deadline = time.perf_counter() + max_seconds
        for i in range(max_calls):
            if time.perf_counter() > deadline and len(nanos) >= 5:
                break
            swhid = swhids[i % len(swhids)]
            start = time.perf_counter_ns()
            rows = con.execute(POINT_SQL, point_params(swhid)).fetchall()
            nanos.append(time.perf_counter_ns() - start)
            answers[swhid] = answer_line(swhid, rows[0])
        results[kind] = percentiles(nanos)
    results["calls_per_s_1_client"] = 1e6 / results["known"]["p50"]
    results["answers"] = answers
    return results


def duckdb_cold(db, queries, calls=10):
    """One point query per random known content of cold.txt, each with the Parquet files evicted
    from the page cache and a new DuckDB database (no cached metadata or data); the views are
    created before the eviction, the query alone is timed."""
    import subprocess
    with open(os.path.join(queries, "cold.txt")) as f:
        swhids = f.read().split()[:calls]
    nanos = []
    answers = {}
    for swhid in swhids:
        con = duckdb_connection(db)
        subprocess.run(["vmtouch", "-q", "-e", db], check=True)
        start = time.perf_counter_ns()
        rows = con.execute(POINT_SQL, point_params(swhid)).fetchall()
        nanos.append(time.perf_counter_ns() - start)
        answers[swhid] = answer_line(swhid, rows[0])
        con.close()
    return {**percentiles(nanos), "answers": answers}


BULK_SQL = """
WITH req AS (SELECT pos, unhex(substr(swhid, 11)) AS h, substr(swhid, 7, 3) AS t FROM request),
q AS (SELECT req.pos, n.id FROM req LEFT JOIN nodes n ON n.sha1_git = req.h AND n.type = req.t),
anchors AS (
  SELECT q.pos, c.revrel, c.revrel_author_date AS d FROM q
    JOIN contents_in_revisions_without_frontiers c ON c.cnt = q.id
  UNION ALL
  SELECT q.pos, r.revrel, r.revrel_author_date FROM q
    JOIN contents_in_frontier_directories c ON c.cnt = q.id
    JOIN frontier_directories_in_revisions r ON r.dir = c.dir
  UNION ALL
  SELECT q.pos, r.revrel, r.revrel_author_date FROM q JOIN frontier_directories_in_revisions r ON r.dir = q.id),
best AS (SELECT pos, arg_min(revrel, (d, revrel)) AS revrel, min(d) AS d FROM anchors GROUP BY pos),
best_origin AS (SELECT b.pos, min(ro.ori) AS ori FROM best b JOIN revisions_in_origins ro ON ro.revrel = b.revrel
  GROUP BY b.pos)
SELECT q.pos, a.type, a.sha1_git, best.d, o.url FROM q
  LEFT JOIN best USING (pos) LEFT JOIN nodes a ON a.id = best.revrel
  LEFT JOIN best_origin USING (pos) LEFT JOIN origins o ON o.id = best_origin.ori
ORDER BY q.pos
"""


def duckdb_bulk(db, queries):
    con = duckdb_connection(db)
    with open(os.path.join(queries, "bulk.txt")) as f:
        swhids = f.read().split()
    results = {}
    for size in BULK_SIZES:
        request = pa.table({"pos": pa.array(range(size), pa.int64()), "swhid": swhids[:size]})
        con.register("request", request)
        start = time.perf_counter()
        rows = con.execute(BULK_SQL).to_arrow_table().num_rows
        seconds = time.perf_counter() - start
        con.unregister("request")
        if rows != size:
            raise RuntimeError(f"DuckDB returned {rows} rows for {size} SWHIDs")
        results[str(size)] = size / seconds
    return results


def servers(specs):
    """NAME=PORT arguments, in order."""
    return dict((name, int(port)) for name, port in (spec.split("=", 1) for spec in specs))


def in_turn(calls, measured=3):
    """Calls each of `calls` (name -> function returning its seconds and a result) `measured`
    times, the names taking turns (each in turn first), and gives each name's median call."""
    timed = {name: [] for name in calls}
    names = list(calls)
    for turn in range(measured):
        for name in names[turn % len(names):] + names[:turn % len(names)]:
            timed[name].append(calls[name]())
    return {name: sorted(values, key=lambda v: v[0])[measured // 2] for name, values in timed.items()}


def flight_read(table, *specs):
    """pyarrow.flight reads the whole table from each server: the median of three reads per server
    after one warm-up read, the servers taking turns."""
    import pyarrow.flight as flight
    reads = {}
    for name, port in servers(specs).items():
        client = flight.connect(f"grpc://127.0.0.1:{port}")
        info = client.get_flight_info(flight.FlightDescriptor.for_path(table))

        def read(client=client, info=info):
            start = time.perf_counter()
            data = pa.concat_tables(client.do_get(endpoint.ticket).read_all() for endpoint in info.endpoints)
            return time.perf_counter() - start, data.num_rows, data.nbytes

        read()  # warm-up, as for the Java client
        reads[name] = read
    results = {}
    for name, (seconds, rows, nbytes) in in_turn(reads).items():
        results[name] = {"table": table, "rows": rows, "bytes": nbytes, "seconds": seconds, "rows_per_s": rows / seconds,
                         "bytes_per_s": nbytes / seconds}
    return results


def flight_bulk(queries, *specs):
    """Bulk provenance by DoExchange with pyarrow.flight, the reference client: per size and
    server, the median of three calls after three warm-up calls, the servers taking turns."""
    import threading
    import pyarrow.flight as flight
    with open(os.path.join(queries, "bulk.txt")) as f:
        swhids = f.read().split()

    def exchange(client, request):
        start = time.perf_counter()
        writer, reader = client.do_exchange(
            flight.FlightDescriptor.for_command(json.dumps({"exchange": "provenance"})))
        writer.begin(request.schema)

        def send():
            writer.write_table(request, max_chunksize=65_536)
            writer.done_writing()

        sender = threading.Thread(target=send)
        sender.start()
        rows = reader.read_all().num_rows
        sender.join()
        writer.close()
        if rows != request.num_rows:
            raise RuntimeError(f"bulk provenance returned {rows} rows for {request.num_rows} SWHIDs")
        return (time.perf_counter() - start,)

    clients = {name: flight.connect(f"grpc://127.0.0.1:{port}") for name, port in servers(specs).items()}
    results = {name: {} for name in clients}
    for size in BULK_SIZES:
        request = pa.table({"swhid": swhids[:size]})
        for client in clients.values():
            for _ in range(3):
                exchange(client, request.slice(0, min(size, 100_000)))
        calls = {name: (lambda client=client: exchange(client, request)) for name, client in clients.items()}
        for name, (seconds,) in in_turn(calls).items():
            results[name][str(size)] = size / seconds
    return results


def disk_latency(path, group=6, groups=500):
    """Random 4 KiB reads of `path` (evicted first), one at a time: each read's latency, and the
    latency of `group` reads in a row, as a cold lookup faults its pages in one after the other."""
    import subprocess
    subprocess.run(["vmtouch", "-q", "-e", path], check=True)
    rng = np.random.default_rng(7)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        pages = os.fstat(fd).st_size // 4096
        nanos = []
        for page in rng.choice(pages, size=min(group * groups, pages), replace=False):
            start = time.perf_counter_ns()
            os.pread(fd, 4096, int(page) * 4096)
            nanos.append(time.perf_counter_ns() - start)
    finally:
        os.close(fd)
    sums = [sum(nanos[i:i + group]) for i in range(0, len(nanos) - group + 1, group)]
    return {"file": path, **percentiles(nanos), "group": group, "groups": percentiles(sums)}


def evict(pid, directory):
    """Pages the mapped files of `directory` out of process `pid` (process_madvise MADV_PAGEOUT,
    Linux 5.10+: posix_fadvise alone leaves pages that a process maps), then out of the page cache
    (vmtouch -e), so that the process reads them from disk again."""
    import ctypes
    import subprocess

    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]

    sys_pidfd_open, sys_process_madvise, madv_pageout = 434, 440, 21  # x86-64
    libc = ctypes.CDLL(None, use_errno=True)
    directory = os.path.realpath(directory)
    ranges = []
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and os.path.dirname(fields[5].strip()) == directory:
                start, end = (int(x, 16) for x in fields[0].split("-"))
                ranges.append((start, end))
    resident = lambda: int(subprocess.run(["vmtouch", "-f", directory], check=True, capture_output=True,
                                          text=True).stdout.split("Resident Pages: ")[1].split("/")[0]) * 4096
    before = resident()
    pidfd = libc.syscall(sys_pidfd_open, int(pid), 0)
    if pidfd < 0:
        sys.exit(f"pidfd_open {pid}: {os.strerror(ctypes.get_errno())}")
    try:
        for start, end in ranges:
            while start < end:
                iov = IoVec(start, end - start)
                done = libc.syscall(sys_process_madvise, pidfd, ctypes.byref(iov), ctypes.c_ulong(1), madv_pageout, 0)
                if done < 0:
                    sys.exit(f"process_madvise {pid}: {os.strerror(ctypes.get_errno())}")
                if done == 0:
                    break
                start += done
    finally:
        os.close(pidfd)
    subprocess.run(["vmtouch", "-q", "-e", directory], check=True)
    return {"mappings": len(ranges), "resident_bytes_before": before, "resident_bytes_after": resident()}


def main(argv):
    commands = {"touch-memory": touch_memory, "prepare": prepare, "load": load, "read-table": read_table,
                "duckdb-point": duckdb_point, "duckdb-cold": duckdb_cold, "duckdb-bulk": duckdb_bulk,
                "flight-read": flight_read, "flight-bulk": flight_bulk, "disk-latency": disk_latency,
                "evict": evict}
    if len(argv) < 2 or argv[1] not in commands:
        sys.exit("usage: peers.py {" + ",".join(commands) + "} ARGS...")
    print(json.dumps(commands[argv[1]](*argv[2:])))


if __name__ == "__main__":
    main(sys.argv)
