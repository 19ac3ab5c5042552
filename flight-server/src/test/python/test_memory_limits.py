"""Memory per call is bounded and small, and overload answers RESOURCE_EXHAUSTED instead of killing the
pod: the packaged jar sized as the chart's default pod (2 GiB: heap 10 %, exit on OutOfMemoryError),
under calls the documented limits allow. Scenarios use chart_sized_server and concurrently (conftest)."""
import json
import time

import grpc
import pyarrow as pa
import pyarrow.flight as flight

from conftest import chart_sized_server, concurrently

WHERE_ARE_ONE = "/swh.provenance.ProvenanceService/WhereAreOne"
CNT_1 = b"swh:1:cnt:0000000000000000000000000000000000000001"
REV_3 = b"swh:1:rev:0000000000000000000000000000000000000003"
ORIGIN = b"https://example.com/swh/graph2"
# The answer for CNT_1 as the server writes it: swhid (field 1), anchor (2), origin (3).
ANSWER = b"\x0a\x32" + CNT_1 + b"\x12\x32" + REV_3 + b"\x1a" + bytes([len(ORIGIN)]) + ORIGIN
MILLION = 1_000_000


def where_are_one_request(count):
    """The wire bytes of a WhereAreOneRequest naming CNT_1 count times."""
    return (b"\x12\x32" + CNT_1) * count


def where_are_one(address, request, read=None):
    """Sends request (wire bytes) and reads every answer, or the first read ones then cancels the
    call: ("OK", answers, wrong answers), or (status, message) if the call fails."""
    with grpc.insecure_channel(address) as channel:
        answers = channel.unary_stream(WHERE_ARE_ONE)(request, timeout=300)
        try:
            count = wrong = 0
            for answer in answers:
                count += 1
                wrong += answer != ANSWER
                if count == read:
                    answers.cancel()
                    break
            return "OK", count, wrong
        except grpc.RpcError as error:
            return error.code().name, error.details()


def test_two_million_swhid_where_are_one_at_once():
    """What the documented limits allow works in the default pod: every answer, right."""
    request = where_are_one_request(MILLION)
    with chart_sized_server() as server:
        outcomes = concurrently([lambda: where_are_one(server.address, request)] * 2)
        assert outcomes == [("OK", MILLION, 0)] * 2


def test_more_million_swhid_where_are_one_than_memory_for_them():
    """Beyond what the heap holds, calls are refused with RESOURCE_EXHAUSTED and the rest are answered."""
    request = where_are_one_request(MILLION)
    with chart_sized_server() as server:
        outcomes = concurrently([lambda: where_are_one(server.address, request, read=10_000)] * 8)
        assert all(outcome == ("OK", 10_000, 0) or outcome[0] == "RESOURCE_EXHAUSTED" for outcome in outcomes), outcomes
        assert ("OK", 10_000, 0) in outcomes, outcomes
        refused = [outcome[1] for outcome in outcomes if outcome[0] == "RESOURCE_EXHAUSTED"]
        assert refused, "8 requests of 52 MB at once fit in a heap of 205 MB?"
        assert all("the server is short of memory for this request" in message for message in refused), refused


def test_heap_per_million_swhid_call():
    request = where_are_one_request(MILLION)
    with chart_sized_server() as server, grpc.insecure_channel(server.address) as channel:
        idle = server.live_heap()
        stalled = [channel.unary_stream(WHERE_ARE_ONE)(request, timeout=300) for _ in range(2)]
        # once a call has answered, its request is parsed and held until the call ends
        assert all(next(answers) == ANSWER for answers in stalled)
        per_call = (server.live_heap() - idle) / len(stalled)
        for answers in stalled:
            answers.cancel()
        # 21 bytes per SWHID (type and sha1_git) and a few small buffers; the generated message took 100 MB
        assert per_call < 32 * 2**20, f"{per_call / 2**20:.1f} MiB of heap per call of {MILLION} SWHIDs"


def test_huge_keys_ticket_is_refused_without_exhausting_the_heap():
    keys = json.dumps({"table": "nodes", "keys": [0] * (25 * MILLION)}, separators=(",", ":")).encode()
    assert len(keys) > 47 * 2**20
    with chart_sized_server() as server:
        client = flight.connect(f"grpc://{server.address}")

        def get(ticket):
            try:
                return client.do_get(flight.Ticket(ticket)).read_all().num_rows
            except pa.ArrowException as error:
                return str(error)

        capped = "the request names 25000000 keys; at most 1000000 are allowed per request"
        # two at once need more heap than the calls may hold: one or both are refused before parsing
        outcomes = concurrently([lambda: get(keys)] * 2)
        assert all(capped in outcome or "short of memory" in outcome for outcome in outcomes), outcomes
        assert capped in get(keys)
        assert get(json.dumps({"table": "nodes", "keys": [0, 8, 11]}).encode()) == 3
        client.close()


def test_all_anchors_of_the_hottest_content_stream_with_bounded_heap_and_stop_at_the_deadline(synthetic_database):
    """The probe: 8 concurrent all_anchors DoGets of the hottest content killed a pod of the chart's
    sizing (a map of every anchor was built before the first batch), and one kept working 3 s after
    its deadline. Now each holds a cursor and a batch, and stops with its call."""
    sidecar = json.loads((synthetic_database / "_synthetic.json").read_text())
    ticket = flight.Ticket(json.dumps({"provenance": [sidecar["hot_contents"][0]], "all_anchors": True}))
    with chart_sized_server(["--database", str(synthetic_database)]) as server:
        client = flight.connect(f"grpc://{server.address}")
        idle = server.live_heap()
        # read one batch each, then stop reading: the streams wait for their clients
        readers = [client.do_get(ticket, options=flight.FlightCallOptions(timeout=30)) for _ in range(8)]
        first = [reader.read_chunk().data.num_rows for reader in readers]
        assert all(rows == 65_536 for rows in first), first
        per_call = (server.live_heap() - idle) / len(readers)
        assert per_call < 16 * 2**20, f"{per_call / 2**20:.1f} MiB of heap per all_anchors call"
        for reader in readers:
            reader.cancel()

        reader = client.do_get(ticket, options=flight.FlightCallOptions(timeout=0.5))
        reader.read_chunk()
        time.sleep(2)
        before = server.cpu_seconds()
        time.sleep(2)
        after_deadline = server.cpu_seconds() - before
        assert after_deadline < 0.5, f"{after_deadline:.2f} CPU seconds of work after the call's deadline"
        client.close()
