"""Arrow Flight with pyarrow.flight, the reference client."""
import json

import pyarrow as pa
import pyarrow.flight as flight
import pytest

CNT_1 = "swh:1:cnt:0000000000000000000000000000000000000001"
CNT_4 = "swh:1:cnt:0000000000000000000000000000000000000004"
REV_3 = "swh:1:rev:0000000000000000000000000000000000000003"
REV_9 = "swh:1:rev:0000000000000000000000000000000000000009"
REV_13 = "swh:1:rev:0000000000000000000000000000000000000013"
REL_19 = "swh:1:rel:0000000000000000000000000000000000000019"
UNKNOWN = "swh:1:cnt:7e5dda5a1a86a6f6ca4275658284f8feda827f90"
GRAPH2 = "https://example.com/swh/graph2"


@pytest.fixture(scope="module")
def client(flight_uri):
    with flight.connect(flight_uri) as client:
        yield client


def get(client, request):
    return client.do_get(flight.Ticket(json.dumps(request))).read_all()


def test_list_flights_describes_every_table(client):
    flights = {f.descriptor.path[0].decode(): f for f in client.list_flights()}
    assert set(flights) == {"nodes", "origins", "contents_in_revisions_without_frontiers",
                            "contents_in_frontier_directories", "frontier_directories_in_revisions",
                            "revisions_in_origins"}
    assert flights["nodes"].total_records == 24
    assert flights["revisions_in_origins"].total_records == 9
    assert flights["nodes"].schema.names == ["id", "type", "sha1_git"]
    assert flights["nodes"].schema.field("type").type == pa.dictionary(pa.int8(), pa.string())
    stream = get(client, {"table": "nodes", "rows": [0, 1]})
    assert flights["nodes"].schema == stream.schema
    assert all(f.total_bytes > 0 for f in flights.values())


def test_get_a_whole_table_through_its_endpoints(client):
    info = client.get_flight_info(flight.FlightDescriptor.for_path("revisions_in_origins"))
    table = pa.concat_tables(client.do_get(e.ticket).read_all() for e in info.endpoints)
    pairs = list(zip(table["revrel"].to_pylist(), table["ori"].to_pylist()))
    assert pairs == [(3, 0), (3, 2), (4, 0), (4, 2), (6, 0), (6, 2), (16, 0), (19, 0), (20, 0)]
    assert table.schema.field("revrel").type == pa.uint64()


def test_nodes_type_is_a_dictionary_of_tags(client):
    nodes = get(client, {"table": "nodes"}).to_pandas()
    assert sorted(set(nodes["type"])) == ["cnt", "dir", "ori", "rel", "rev", "snp"]
    assert (nodes["sha1_git"].map(len) == 20).all()


def test_slices_projection_key_keys_and_range(client):
    assert get(client, {"table": "contents_in_frontier_directories", "key": 10}).to_pylist() == [
        {"cnt": 10, "dir": 9}, {"cnt": 10, "dir": 12}]
    projected = get(client, {"table": "contents_in_frontier_directories", "columns": ["dir"], "keys": [13, 8]})
    assert projected.schema.names == ["dir"]
    assert projected["dir"].to_pylist() == [12, 9, 12]
    in_range = get(client, {"table": "contents_in_revisions_without_frontiers", "key_range": [12, 20]})
    assert in_range["cnt"].to_pylist() == [15, 18]
    assert in_range.schema.field("revrel_author_date").type == pa.timestamp("s", tz="UTC")
    assert get(client, {"table": "nodes", "rows": [20, 24]})["id"].to_pylist() == [20, 21, 22, 23]


def test_bulk_provenance_by_ticket(client):
    table = get(client, {"provenance": [CNT_1, UNKNOWN, REL_19]})
    rows = table.to_pylist()
    assert [r["swhid"] for r in rows] == [CNT_1, UNKNOWN, REL_19]
    assert rows[0]["anchor"] == REV_3 and rows[0]["origin"] == GRAPH2
    assert int(rows[0]["anchor_date"].timestamp()) == 1111122220
    assert rows[1]["anchor"] is None and rows[1]["origin"] is None
    assert rows[2]["anchor"] == REL_19 and rows[2]["origin"] is None


def test_bulk_provenance_all_anchors(client):
    rows = get(client, {"provenance": [CNT_4], "all_anchors": True}).to_pylist()
    assert [r["anchor"] for r in rows] == [REV_9, REV_13]


def test_bulk_provenance_by_exchange_in_request_order(client):
    swhids = [CNT_1, CNT_4, UNKNOWN, REL_19] * 50_000
    writer, reader = client.do_exchange(
        flight.FlightDescriptor.for_command(json.dumps({"exchange": "provenance"})))
    table = pa.table({"swhid": swhids})
    writer.begin(table.schema)
    writer.write_table(table, max_chunksize=30_000)
    writer.done_writing()
    result = reader.read_all()
    writer.close()
    assert result.num_rows == len(swhids)
    assert result["swhid"].to_pylist() == swhids
    assert result["anchor"].to_pylist()[:4] == [REV_3, REV_9, None, REL_19]


@pytest.mark.parametrize("ticket", [b"not json", b"{}", b'{"table": "edges"}', b'{"provenance": ["swh:1:cnt:xyz"]}'])
def test_bad_tickets_are_invalid_arguments(client, ticket):
    with pytest.raises(pa.ArrowInvalid):
        client.do_get(flight.Ticket(ticket)).read_all()


def test_read_only(client):
    with pytest.raises(pa.ArrowNotImplementedError, match="read-only"):
        writer, _ = client.do_put(flight.FlightDescriptor.for_path("nodes"), pa.schema([("id", pa.uint64())]))
        writer.close()
