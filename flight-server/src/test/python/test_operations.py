"""Operations features of the packaged jar: JSON access logs, the verify command, the maintenance file."""
import json
import subprocess
import time

import pyarrow.flight as flight
import pytest

from conftest import JAR, JAVA, start_server


def test_json_access_log_line_per_call(tmp_path):
    with start_server(["--log-format", "json"]) as server:
        client = flight.connect(f"grpc://{server.address}")
        assert len(list(client.list_flights())) == 6
        client.close()
        entry = server.await_log(lambda line: '"loggerName":"access"' in line)
    record = json.loads(entry)
    fields = {key: value for pair in record["kvpList"] for key, value in pair.items()}
    assert record["level"] == "INFO"
    assert fields["method"] == "arrow.flight.protocol.FlightService/ListFlights"
    assert fields["status"] == "OK"
    assert fields["responses"] == "6"
    assert fields["peer"] == "127.0.0.1"
    assert record["formattedMessage"].startswith("arrow.flight.protocol.FlightService/ListFlights OK ")


def test_maintenance_file_without_restart(tmp_path):
    red_button = tmp_path / "maintenance"
    with start_server(["--maintenance-file", str(red_button)]) as server:
        client = flight.connect(f"grpc://{server.address}")
        assert len(list(client.list_flights())) == 6
        red_button.write_text("restoring the database\n")
        deadline = time.monotonic() + 10
        while True:
            try:
                list(client.list_flights())
            except flight.FlightUnavailableError as error:
                assert "restoring the database" in str(error)
                break
            assert time.monotonic() < deadline, "maintenance was not switched on"
            time.sleep(0.2)
        red_button.unlink()
        deadline = time.monotonic() + 10
        while True:
            try:
                assert len(list(client.list_flights())) == 6
                break
            except flight.FlightUnavailableError:
                assert time.monotonic() < deadline, "maintenance was not switched off"
                time.sleep(0.2)
        client.close()


def run_jar(*args):
    return subprocess.run([*JAVA, "-jar", str(JAR), *args], capture_output=True, text=True, timeout=120)


def test_verify_with_manifest(tmp_path):
    database = tmp_path / "db"
    assert run_jar("gen-example", str(database)).returncode == 0
    missing = run_jar("verify", str(database))
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("MANIFEST.sha256: missing (write it with verify --write-manifest)")
    written = run_jar("verify", "--write-manifest", str(database))
    assert written.returncode == 0, written.stderr
    checked = run_jar("verify", str(database))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("ok: ")
    node_file = next((database / "nodes").glob("*.parquet"))
    node_file.write_bytes(node_file.read_bytes()[:100])
    broken = run_jar("verify", str(database))
    assert broken.returncode == 1
    assert "Traceback" not in broken.stderr and "Exception" not in broken.stderr
    assert all(line.startswith("problem: ") for line in broken.stderr.splitlines()), broken.stderr
