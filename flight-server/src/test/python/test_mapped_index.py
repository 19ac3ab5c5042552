"""The index of a database, built by `index` and memory-mapped by `serve --index`, through grpcio and pyarrow.flight."""
import json
import subprocess

import grpc
import pyarrow.flight as flight
import pytest

from conftest import JAR, JAVA, start_server

CNT_1 = "swh:1:cnt:0000000000000000000000000000000000000001"
CNT_4 = "swh:1:cnt:0000000000000000000000000000000000000004"
REV_9 = "swh:1:rev:0000000000000000000000000000000000000009"
REV_13 = "swh:1:rev:0000000000000000000000000000000000000013"


def run(*args):
    return subprocess.run([*JAVA, "-jar", str(JAR), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    root = tmp_path_factory.mktemp("mapped")
    assert run("gen-example", str(root / "db")).returncode == 0
    built = run("index", str(root / "db"), str(root / "index"))
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith(f"indexed {root / 'db'} into {root / 'index'}: nodes=24 ")
    return root


@pytest.fixture(scope="module")
def server(database):
    with start_server(["--database", str(database / "db"), "--index", str(database / "index")]) as server:
        yield server


def test_startup_line_reports_the_mapping_and_resident_memory(server):
    line = server.await_log(lambda line: "serving on" in line)
    assert "mapped the example database" not in line and "mapped " in line
    assert "resident: " in line and " anonymous, " in line and " of mapped files" in line


def test_grpc_answers_from_the_mapped_index(server, stubs):
    pb, pb_grpc = stubs
    with grpc.insecure_channel(server.address) as channel:
        result = pb_grpc.ProvenanceServiceStub(channel).WhereIsOne(pb.WhereIsOneRequest(swhid=CNT_1))
    assert result.anchor == "swh:1:rev:0000000000000000000000000000000000000003"
    assert result.origin == "https://example.com/swh/graph2"


def test_flight_tables_and_bulk_provenance_from_the_mapped_index(server):
    client = flight.connect(f"grpc://{server.address}")
    info = client.get_flight_info(flight.FlightDescriptor.for_path("origins"))
    origins = client.do_get(info.endpoints[0].ticket).read_all()
    assert origins["url"].to_pylist() == ["https://example.com/swh/graph2", "https://example.com/swh/graph"]
    assert info.schema == origins.schema

    def get(request):
        return client.do_get(flight.Ticket(json.dumps(request))).read_all().to_pylist()

    assert [r["anchor"] for r in get({"provenance": [CNT_4], "all_anchors": True})] == [REV_9, REV_13]
    assert get({"table": "nodes", "keys": [23, 0], "columns": ["id", "type"]}) == [
        {"id": 23, "type": "cnt"}, {"id": 0, "type": "ori"}]


def test_serve_refuses_an_empty_index_directory(database, tmp_path):
    result = subprocess.run([*JAVA, "-jar", str(JAR), "serve", "--bind", "127.0.0.1:0",
                             "--database", str(database / "db"), "--index", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"error: {tmp_path}: no index (no index.json; an interrupted build leaves none); "
        f"build it with `provenance-server index DATABASE {tmp_path}`")
    assert "\tat " not in result.stderr
