"""Operations features of the packaged jar: JSON access logs, the verify command, the maintenance file."""
import json
import subprocess
import time

import grpc
import pyarrow as pa
import pyarrow.flight as flight
import pytest

from conftest import JAR, JAVA, start_server


CNT_1 = "swh:1:cnt:0000000000000000000000000000000000000001"


def access_fields(line):
    record = json.loads(line)
    return {key: value for pair in record["kvpList"] for key, value in pair.items()}


def test_json_access_log_line_per_call(tmp_path):
    with start_server(["--log-format", "json"]) as server:
        client = flight.connect(f"grpc://{server.address}")
        assert len(list(client.list_flights())) == 6
        client.close()
        entry = server.await_log(lambda line: '"loggerName":"access"' in line)
    record = json.loads(entry)
    fields = access_fields(entry)
    assert record["level"] == "INFO"
    assert fields["method"] == "arrow.flight.protocol.FlightService/ListFlights"
    assert fields["status"] == "OK"
    assert fields["responses"] == "6"
    assert fields["peer"] == "127.0.0.1"
    assert record["formattedMessage"].startswith("arrow.flight.protocol.FlightService/ListFlights OK ")


def test_json_log_format_gives_only_json_lines_with_cancelled_streams():
    """Cancelled gRPC and Flight streams (Netty stream resets) leave only JSON lines, no stack trace."""
    with start_server(["--log-format", "json", "--flight-batch-rows", "1000"]) as server:
        client = flight.connect(f"grpc://{server.address}")
        for _ in range(3):
            reader = client.do_get(flight.Ticket(json.dumps({"provenance": [CNT_1] * 200_000})))
            reader.read_chunk()
            reader.cancel()
        swhid = CNT_1.encode()
        request = b"".join(b"\x12" + bytes([len(swhid)]) + swhid for _ in range(200_000))  # field 2, swhid
        with grpc.insecure_channel(server.address, options=[("grpc.max_send_message_length", 64 << 20)]) as channel:
            where_are_one = channel.unary_stream("/swh.provenance.ProvenanceService/WhereAreOne",
                                                 request_serializer=None, response_deserializer=None)
            for _ in range(3):
                call = where_are_one(request)
                next(call)
                call.cancel()
        for _ in range(3):
            writer, reader = client.do_exchange(
                flight.FlightDescriptor.for_command(json.dumps({"exchange": "provenance"})))
            writer.begin(pa.schema([("swhid", pa.string())]))
            writer.write_table(pa.table({"swhid": [CNT_1] * 100_000}), max_chunksize=10_000)
            reader.read_chunk()
            reader.cancel()
        assert len(client.do_get(flight.Ticket(json.dumps({"provenance": [CNT_1] * 3}))).read_all()) == 3
        writer, reader = client.do_exchange(flight.FlightDescriptor.for_command(json.dumps({"exchange": "provenance"})))
        writer.begin(pa.schema([("swhid", pa.string())]))
        writer.write_table(pa.table({"swhid": [CNT_1] * 5}))
        writer.done_writing()
        assert len(reader.read_all()) == 5
        writer.close()
        client.close()
        server.await_log(lambda line: '"DoExchange"' in line or "DoExchange OK" in line)
        time.sleep(1)
    not_json = []
    for line in server.lines:
        try:
            json.loads(line)
        except ValueError:
            not_json.append(line)
    assert not not_json, "lines that are not JSON:\n" + "".join(not_json[:20])
    assert not [line for line in server.lines if '"Stream Error"' in line], "stream resets are DEBUG lines"
    access = [access_fields(line) for line in server.lines if '"loggerName":"access"' in line]
    assert {"method": "arrow.flight.protocol.FlightService/DoGet", "status": "OK", "swhids": "3"}.items() \
        <= next(a for a in access if a["method"].endswith("/DoGet") and a["status"] == "OK").items()
    assert next(a for a in access if a["method"].endswith("/DoExchange") and a["status"] == "OK")["swhids"] == "5"
    assert any(a["method"].endswith("/WhereAreOne") and a["swhids"] == "200000" for a in access)


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
