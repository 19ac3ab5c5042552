"""Wire compatibility: a grpcio client with stubs generated from the .proto, as the upstream Python client."""
import grpc
import pytest

CNT_1 = "swh:1:cnt:0000000000000000000000000000000000000001"


@pytest.fixture(scope="module")
def channel(server_address):
    with grpc.insecure_channel(server_address) as channel:
        yield channel


def test_where_is_one(stubs, channel):
    pb, pb_grpc = stubs
    result = pb_grpc.ProvenanceServiceStub(channel).WhereIsOne(pb.WhereIsOneRequest(swhid=CNT_1))
    assert result.swhid == CNT_1
    assert result.anchor == "swh:1:rev:0000000000000000000000000000000000000003"
    assert result.origin == "https://example.com/swh/graph2"


def test_where_is_one_with_mask(stubs, channel):
    pb, pb_grpc = stubs
    from google.protobuf.field_mask_pb2 import FieldMask
    result = pb_grpc.ProvenanceServiceStub(channel).WhereIsOne(
        pb.WhereIsOneRequest(swhid=CNT_1, mask=FieldMask(paths=["anchor"])))
    assert result.anchor == "swh:1:rev:0000000000000000000000000000000000000003"
    assert not result.HasField("origin")


def test_where_are_one_keeps_order_and_unsets_unknown(stubs, channel):
    pb, pb_grpc = stubs
    unknown = "swh:1:cnt:7e5dda5a1a86a6f6ca4275658284f8feda827f90"
    results = list(pb_grpc.ProvenanceServiceStub(channel).WhereAreOne(
        pb.WhereAreOneRequest(swhid=[unknown, CNT_1])))
    assert [r.swhid for r in results] == [unknown, CNT_1]
    assert not results[0].HasField("anchor") and not results[0].HasField("origin")
    assert results[1].HasField("anchor")


@pytest.mark.parametrize("swhid,code", [
    ("swh:1:cnt:7e5dda5a1a86a6f6ca4275658284f8feda827f90", grpc.StatusCode.NOT_FOUND),
    ("swh:1:CNT:0000000000000000000000000000000000000001", grpc.StatusCode.INVALID_ARGUMENT),
    ("", grpc.StatusCode.INVALID_ARGUMENT),
])
def test_errors(stubs, channel, swhid, code):
    pb, pb_grpc = stubs
    with pytest.raises(grpc.RpcError) as error:
        pb_grpc.ProvenanceServiceStub(channel).WhereIsOne(pb.WhereIsOneRequest(swhid=swhid))
    assert error.value.code() == code


def test_health_service(channel):
    check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                request_serializer=lambda b: b, response_deserializer=lambda b: b)
    assert check(b"") == b"\x08\x01"  # HealthCheckResponse{status: SERVING}
