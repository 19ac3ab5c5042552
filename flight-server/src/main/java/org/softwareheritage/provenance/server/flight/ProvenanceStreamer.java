package org.softwareheritage.provenance.server.flight;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.TimeStampSecTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.softwareheritage.provenance.server.query.Provenance;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;
import org.softwareheritage.provenance.server.query.ResultFields;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * Writes the provenance of SWHIDs as record batches {@code swhid, anchor, anchor_date, origin},
 * in request order: one row per SWHID (earliest anchor; unknown SWHIDs and objects without
 * provenance have null anchor, date and origin), or in all-anchors mode one row per anchor.
 */
final class ProvenanceStreamer implements AutoCloseable {
  /** Schema of bulk provenance results. */
  static final Schema SCHEMA = new Schema(List.of(
      Field.notNullable("swhid", ArrowType.Utf8.INSTANCE),
      Field.nullable("anchor", ArrowType.Utf8.INSTANCE),
      Field.nullable("anchor_date", new ArrowType.Timestamp(TimeUnit.SECOND, "UTC")),
      Field.nullable("origin", ArrowType.Utf8.INSTANCE)));

  private final ProvenanceQueries queries;
  private final boolean allAnchors;
  private final int batchRows;
  private final ServerStreamListener listener;
  private final ReadyWaiter waiter;
  private final VectorSchemaRoot out;
  private final VarCharVector swhids;
  private final VarCharVector anchors;
  private final TimeStampSecTZVector dates;
  private final VarCharVector origins;
  private int rows;
  private boolean cancelled;

  ProvenanceStreamer(ProvenanceQueries queries, boolean allAnchors, int batchRows, ServerStreamListener listener,
      BufferAllocator allocator) {
    this.queries = queries;
    this.allAnchors = allAnchors;
    this.batchRows = batchRows;
    this.listener = listener;
    this.waiter = new ReadyWaiter(listener);
    this.out = VectorSchemaRoot.create(SCHEMA, allocator);
    this.swhids = (VarCharVector) out.getVector("swhid");
    this.anchors = (VarCharVector) out.getVector("anchor");
    this.dates = (TimeStampSecTZVector) out.getVector("anchor_date");
    this.origins = (VarCharVector) out.getVector("origin");
    listener.start(out);
  }

  /** Appends the provenance of {@code swhid}; false once the call is cancelled. */
  boolean add(Swhid swhid) {
    if (allAnchors) {
      List<Provenance> all = queries.allAnchors(swhid);
      if (all == null || all.isEmpty()) {
        return append(swhid, null);
      }
      for (Provenance provenance : all) {
        if (!append(swhid, provenance)) {
          return false;
        }
      }
      return true;
    }
    return append(swhid, queries.whereIs(swhid, ResultFields.ALL));
  }

  private boolean append(Swhid swhid, Provenance provenance) {
    if (cancelled) {
      return false;
    }
    swhids.setSafe(rows, swhid.toString().getBytes(StandardCharsets.US_ASCII));
    if (provenance != null && provenance.anchor() != null) {
      anchors.setSafe(rows, provenance.anchor().toString().getBytes(StandardCharsets.US_ASCII));
      if (provenance.hasAnchorDate()) {
        dates.setSafe(rows, provenance.anchorDate());
      }
      if (provenance.origin() != null) {
        origins.setSafe(rows, provenance.origin().getBytes(StandardCharsets.UTF_8));
      }
    }
    rows++;
    return rows < batchRows || flush();
  }

  /** Sends the pending rows, if any, once the client is ready; false if the call was cancelled. */
  boolean flush() {
    if (rows == 0) {
      return !cancelled;
    }
    if (!waiter.awaitReady()) {
      cancelled = true;
      return false;
    }
    out.setRowCount(rows);
    listener.putNext();
    out.allocateNew();
    rows = 0;
    return true;
  }

  /** Sends what is pending and ends the stream. */
  void complete() {
    if (flush()) {
      listener.completed();
    }
  }

  @Override
  public void close() {
    out.close();
  }
}
