"""A client that never reads cannot lock others out: the probe of the packaged jar, sized as the
chart's default pod. Streams with a small receive window that are never read hold every permit;
after --max-call-time (and the 3 s the server gives a client to take the status) the server has
ended them, and every other caller is served again."""
import time

import grpc

from conftest import chart_sized_server
from test_memory_limits import CNT_1, WHERE_ARE_ONE, where_are_one_request

WHERE_IS_ONE = "/swh.provenance.ProvenanceService/WhereIsOne"
DO_GET = "/arrow.flight.protocol.FlightService/DoGet"
MAX_CALL_TIME = 5
RESET_GRACE = 3
# A client whose receive window stays small: no BDP probing, 16 KiB of lookahead.
NON_READING = [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 16384)]


def ticket(request):
    """The wire bytes of a Flight Ticket holding request."""
    length, varint = len(request), b""
    while length >= 0x80:
        varint += bytes([length & 0x7F | 0x80])
        length >>= 7
    return b"\x0a" + varint + bytes([length]) + request


def test_streams_never_read_give_their_permits_back():
    options = ["--max-call-time", f"PT{MAX_CALL_TIME}S", "--max-concurrent-calls", "8",
               "--max-concurrent-calls-per-client", "8"]
    with chart_sized_server(options) as server, \
            grpc.insecure_channel(server.address, options=NON_READING) as stalled, \
            grpc.insecure_channel(server.address) as other:
        provenance = b'{"provenance": [' + b", ".join([b'"' + CNT_1 + b'"'] * 20_000) + b"]}"
        calls = [stalled.unary_stream(WHERE_ARE_ONE)(where_are_one_request(3000)) for _ in range(8)]
        calls += [stalled.unary_stream(DO_GET)(ticket(provenance)) for _ in range(4)]
        start = time.monotonic()
        # twelve calls for eight permits: once four are refused, the stalled ones hold every permit
        while sum("RESOURCE_EXHAUSTED" in line for line in server.lines) < 4:
            assert time.monotonic() - start < MAX_CALL_TIME, "the stalled calls did not start:\n" + "".join(server.lines)
            time.sleep(0.05)
        where_is_one = other.unary_unary(WHERE_IS_ONE)

        def served():
            try:
                where_is_one(b"\x12\x32" + CNT_1, timeout=10)
                return True
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error
                return False

        assert not served(), "the stalled calls do not hold every permit:\n" + "".join(server.lines)
        while not served():
            assert time.monotonic() - start < MAX_CALL_TIME + RESET_GRACE + 10, "the stalled calls kept their permits"
            time.sleep(0.1)
        for call in calls:
            call.cancel()
