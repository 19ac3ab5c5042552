"""The provenance service's Arrow Flight API for the notebooks: a pyarrow.flight client that sends an
optional bearer token, reads slices of tables with a progress bar, draws random samples of nodes,
and runs bulk provenance with DoExchange, reading the answers while it sends the SWHIDs.

Settings come from the environment: PROVENANCE_FLIGHT_URI (default grpc://localhost:50141, the demo
server) and SWH_PROVENANCE_TOKEN (sent as ``authorization: Bearer TOKEN`` when set).
"""
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.flight as flight
from tqdm.auto import tqdm

#: Rows per record batch sent to DoExchange (the server's own batch size).
BATCH_ROWS = 65_536
#: SWHIDs per DoExchange call: the server's default --max-swhids-per-request.
SWHIDS_PER_EXCHANGE = 1_000_000
#: tqdm's own switch, which its notebook bars ignore: TQDM_DISABLE=1 renders a notebook without bars.
PROGRESS_OFF = bool(os.environ.get("TQDM_DISABLE"))


class ProvenanceFlight:
    """A client of one provenance server's Arrow Flight API."""

    def __init__(self, uri=None, token=None):
        self.uri = uri or os.environ.get("PROVENANCE_FLIGHT_URI", "grpc://localhost:50141")
        token = token if token is not None else os.environ.get("SWH_PROVENANCE_TOKEN", "")
        headers = [(b"authorization", b"Bearer " + token.encode())] if token else []
        self.options = flight.FlightCallOptions(headers=headers)
        self.client = flight.connect(self.uri)

    def tables(self):
        """The FlightInfo of every table: descriptor, schema, total_records, total_bytes."""
        return list(self.client.list_flights(options=self.options))

    def info(self, request):
        """The FlightInfo of a JSON request (see docs/api.md, Arrow Flight API)."""
        return self.client.get_flight_info(
            flight.FlightDescriptor.for_command(json.dumps(request)), options=self.options)

    def get(self, request):
        """A small result: one DoGet of a JSON ticket, as a pyarrow Table."""
        return self.client.do_get(flight.Ticket(json.dumps(request)), options=self.options).read_all()

    def read(self, request, workers=4):
        """A table or a slice of one (``{"table": T, "key_range": [A, B]}``, ``"keys"``, ``"columns"``...),
        its endpoints read in parallel, with a progress bar of rows."""
        info = self.info(request)

        def read_endpoint(endpoint):
            batches = []
            for chunk in self.client.do_get(endpoint.ticket, options=self.options):
                batches.append(chunk.data)
                bar.update(chunk.data.num_rows)
            return batches

        with tqdm(total=info.total_records, unit=" rows", desc=request.get("table"), disable=PROGRESS_OFF) as bar, \
                ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(read_endpoint, info.endpoints))
        batches = [batch for part in parts for batch in part]
        # The streams' schema, not FlightInfo's: the server describes dictionary columns there by
        # their index type.
        return pa.Table.from_batches(batches) if batches else info.schema.empty_table()

    def sample_nodes(self, size, seed=0):
        """About ``size`` nodes drawn at random (ids drawn from [0, rows of nodes): node ids are dense)."""
        rows = self.info({"table": "nodes"}).total_records
        ids = np.random.default_rng(seed).choice(rows, size=min(size, rows), replace=False)
        return self.read({"table": "nodes", "keys": sorted(ids.tolist())})

    def provenance(self, swhids, all_anchors=False):
        """Provenance of SWHIDs (a sequence of strings, or a pyarrow string array) as a Table
        ``swhid, anchor, anchor_date, origin``, in request order (with ``all_anchors``: every anchor of
        each SWHID: a content's direct revisions earliest first, then each frontier directory's). One DoExchange per SWHIDS_PER_EXCHANGE SWHIDs, each read while a
        thread writes it: a writer waits while the reader does not read, and the server ends a call
        at its --max-call-time, so writing everything before reading would stall and fail."""
        if isinstance(swhids, pa.Array):
            swhids = pa.chunked_array([swhids])
        elif not isinstance(swhids, pa.ChunkedArray):
            swhids = pa.chunked_array([pa.array(list(swhids), pa.string())])
        swhids = swhids.cast(pa.string())
        command = flight.FlightDescriptor.for_command(
            json.dumps({"exchange": "provenance", "all_anchors": all_anchors}))
        with tqdm(total=len(swhids), unit=" SWHIDs", desc="provenance", disable=PROGRESS_OFF) as bar:
            # An empty input still makes one call: the result's schema comes from the server.
            return pa.concat_tables(
                self._exchange(command, swhids.slice(start, SWHIDS_PER_EXCHANGE), bar)
                for start in range(0, max(len(swhids), 1), SWHIDS_PER_EXCHANGE))

    def _exchange(self, command, swhids, bar):
        writer, reader = self.client.do_exchange(command, options=self.options)
        table = pa.table({"swhid": swhids})
        failures = []

        def send():
            try:
                writer.begin(table.schema)
                for batch in table.to_batches(max_chunksize=BATCH_ROWS):
                    writer.write_batch(batch)
                    bar.update(batch.num_rows)
                writer.done_writing()
            except Exception as failure:  # the reader gets the call's status; keep this for the rest
                failures.append(failure)

        sender = threading.Thread(target=send, name="provenance-exchange-writer", daemon=True)
        sender.start()
        try:
            result = reader.read_all()
        except BaseException:
            reader.cancel()  # unblocks the writer
            raise
        finally:
            sender.join()
            writer.close()
        if failures:
            raise failures[0]
        return result
