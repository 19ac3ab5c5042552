package org.softwareheritage.provenance.server.flight;

import java.util.List;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.TimeStampSecTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.softwareheritage.provenance.server.index.NodeIndex;
import org.softwareheritage.provenance.server.index.OriginIndex;
import org.softwareheritage.provenance.server.index.ProvenanceIndex;
import org.softwareheritage.provenance.server.query.LookupBatch;
import org.softwareheritage.provenance.server.query.ProvenanceQueries;
import org.softwareheritage.provenance.server.query.ResultFields;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * Writes the provenance of SWHIDs as record batches {@code swhid, anchor, anchor_date, origin}, in
 * request order: one row per SWHID (earliest anchor; unknown SWHIDs and objects without provenance
 * have null anchor, date and origin), or in all-anchors mode one row per anchor (in the order of
 * {@link ProvenanceQueries.Anchors}).
 *
 * <p>Bulk provenance works on bytes from end to end: SWHIDs are parsed from the request column's
 * bytes, looked up a batch at a time (so that cache misses overlap, see {@link
 * ProvenanceQueries#lookUp}), and the answer columns are written straight into the batch's buffers
 * (hex digits from the nodes' hashes, URL bytes copied from the loaded origins), which are then
 * handed to gRPC without a copy. No object is created per SWHID.
 */
final class ProvenanceStreamer implements AutoCloseable {
  /** Schema of bulk provenance results. */
  static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("swhid", ArrowType.Utf8.INSTANCE),
              Field.nullable("anchor", ArrowType.Utf8.INSTANCE),
              Field.nullable("anchor_date", new ArrowType.Timestamp(TimeUnit.SECOND, "UTC")),
              Field.nullable("origin", ArrowType.Utf8.INSTANCE)));

  private static final int TEXT = Swhid.TEXT_LENGTH;

  private final ProvenanceQueries queries;
  private final NodeIndex nodes;
  private final OriginIndex origins;
  private final boolean allAnchors;
  private final int batchRows;
  private final ServerStreamListener listener;
  private final ReadyWaiter waiter;
  private final VectorSchemaRoot out;
  private final VarCharVector swhidColumn;
  private final VarCharVector anchorColumn;
  private final TimeStampSecTZVector dateColumn;
  private final VarCharVector originColumn;

  /** The SWHIDs being answered. */
  private RequestSwhids request;

  /** Answers of the SWHIDs of a lookup step (one output batch in earliest-anchor mode). */
  private final LookupBatch lookedUp;

  /** The rows of the pending output batch: which request SWHID, its anchor, date and origin. */
  private final int[] sources;

  private final long[] anchorRows;
  private final long[] anchorDates;
  private final long[] originRows;

  /** Scratch of {@link NodeIndex#writeSwhids}. */
  private final int[] gathered;

  private int rows;
  private boolean cancelled;

  /** The heap a streamer of {@code batchRows} rows per batch holds: its per-row arrays. */
  static long heapBytes(int batchRows) {
    return LookupBatch.heapBytes(batchRows)
        + (long) batchRows
            * (Integer.BYTES + 3 * Long.BYTES + NodeIndex.GATHERED_INTS * Integer.BYTES);
  }

  /**
   * @param allocator allocates the output batches; they are handed to gRPC, which may still hold
   *     them when the call ends, so it must outlive the call
   */
  ProvenanceStreamer(
      ProvenanceQueries queries,
      ProvenanceIndex index,
      boolean allAnchors,
      int batchRows,
      ServerStreamListener listener,
      BufferAllocator allocator) {
    this.queries = queries;
    this.nodes = index.nodes();
    this.origins = index.origins();
    this.allAnchors = allAnchors;
    this.batchRows = batchRows;
    this.listener = listener;
    this.lookedUp = new LookupBatch(batchRows);
    this.sources = new int[batchRows];
    this.anchorRows = new long[batchRows];
    this.anchorDates = new long[batchRows];
    this.originRows = new long[batchRows];
    this.gathered = new int[batchRows * NodeIndex.GATHERED_INTS];
    this.waiter = new ReadyWaiter(listener);
    this.out = VectorSchemaRoot.create(SCHEMA, allocator);
    this.swhidColumn = (VarCharVector) out.getVector("swhid");
    this.anchorColumn = (VarCharVector) out.getVector("anchor");
    this.dateColumn = (TimeStampSecTZVector) out.getVector("anchor_date");
    this.originColumn = (VarCharVector) out.getVector("origin");
    listener.setUseZeroCopy(true);
    listener.start(out);
  }

  /**
   * Sends the provenance of {@code swhids}, in batches of at most the batch size.
   *
   * @return false if the call was cancelled
   */
  boolean write(RequestSwhids swhids) {
    request = swhids;
    for (int from = 0; from < swhids.count; from += batchRows) {
      int n = Math.min(batchRows, swhids.count - from);
      queries.lookUp(swhids.types, swhids.hashes, from, n, ResultFields.ALL, lookedUp);
      for (int i = 0; i < n; i++) {
        if (allAnchors
            ? !appendAll(from + i, lookedUp.rows[i])
            : !append(
                from + i, lookedUp.anchorRows[i], lookedUp.dates[i], lookedUp.originRows[i])) {
          return false;
        }
      }
    }
    return flush();
  }

  /** Ends the stream: everything was sent by {@link #write}. */
  void complete() {
    listener.completed();
  }

  /**
   * Appends every anchor of the node of {@code nodeRow} (one row of nulls if it has none or is
   * unknown).
   */
  private boolean appendAll(int source, long nodeRow) {
    if (nodeRow >= 0) {
      ProvenanceQueries.Anchors anchors = queries.allAnchors(nodeRow, listener::isCancelled);
      boolean any = false;
      while (anchors.next()) {
        any = true;
        if (!append(source, anchors.anchorRow(), anchors.date(), anchors.originRow())) {
          return false;
        }
      }
      if (listener.isCancelled()) {
        cancelled = true;
        return false;
      }
      if (any) {
        return true;
      }
    }
    return append(source, -1, ProvenanceIndex.NO_DATE, -1);
  }

  private boolean append(int source, long anchorRow, long anchorDate, long originRow) {
    if (cancelled) {
      return false;
    }
    sources[rows] = source;
    anchorRows[rows] = anchorRow;
    anchorDates[rows] = anchorDate;
    originRows[rows] = originRow;
    rows++;
    return rows < batchRows || flush();
  }

  /** Sends the pending rows, if any, once the client is ready; false if the call was cancelled. */
  private boolean flush() {
    if (rows == 0) {
      return !cancelled;
    }
    if (!waiter.awaitReady()) {
      cancelled = true;
      return false;
    }
    fillBatch();
    listener.putNext();
    rows = 0;
    return true;
  }

  /**
   * Writes the pending rows into new buffers of the output root (gRPC may still hold the previous
   * ones), one column at a time: short loops whose memory reads (anchor hashes, URLs) overlap.
   */
  private void fillBatch() {
    int anchors = 0;
    long urlBytes = 0;
    for (int row = 0; row < rows; row++) {
      if (anchorRows[row] >= 0) {
        anchors++;
        if (originRows[row] >= 0) {
          urlBytes += origins.urlLength(originRows[row]);
        }
      }
    }
    fillSwhids();
    fillAnchors(anchors);
    fillDates();
    fillOrigins(urlBytes);
    out.setRowCount(rows);
  }

  private void fillSwhids() {
    swhidColumn.allocateNew((long) rows * TEXT, rows);
    long data = swhidColumn.getDataBufferAddress();
    for (int row = 0; row < rows; ) {
      // one copy per run of consecutive request SWHIDs
      int end = row + 1;
      while (end < rows && sources[end] == sources[end - 1] + 1) {
        end++;
      }
      MemoryUtil.copyToMemory(
          request.texts,
          (long) sources[row] * TEXT,
          data + (long) row * TEXT,
          (long) (end - row) * TEXT);
      row = end;
    }
    long offsets = swhidColumn.getOffsetBufferAddress();
    for (int row = 0; row < rows; row++) {
      MemoryUtil.putInt(offsets + (row + 1L) * Integer.BYTES, (row + 1) * TEXT);
    }
    MemoryUtil.setMemory(swhidColumn.getValidityBufferAddress(), (rows + 7) / 8, (byte) 0xff);
    swhidColumn.setLastSet(rows - 1);
  }

  private void fillAnchors(int anchors) {
    anchorColumn.allocateNew(Math.max(1L, (long) anchors * TEXT), rows);
    long validity = anchorColumn.getValidityBufferAddress();
    long offsets = anchorColumn.getOffsetBufferAddress();
    nodes.writeSwhids(anchorRows, rows, anchorColumn.getDataBufferAddress(), gathered);
    int end = 0;
    for (int row = 0; row < rows; row++) {
      if (anchorRows[row] >= 0) {
        end += TEXT;
        setBit(validity, row);
      }
      MemoryUtil.putInt(offsets + (row + 1L) * Integer.BYTES, end);
    }
    anchorColumn.setLastSet(rows - 1);
  }

  private void fillDates() {
    dateColumn.allocateNew(rows);
    long validity = dateColumn.getValidityBufferAddress();
    long data = dateColumn.getDataBufferAddress();
    for (int row = 0; row < rows; row++) {
      if (anchorRows[row] >= 0 && anchorDates[row] != ProvenanceIndex.NO_DATE) {
        MemoryUtil.putLong(data + (long) row * Long.BYTES, anchorDates[row]);
        setBit(validity, row);
      }
    }
  }

  private void fillOrigins(long urlBytes) {
    originColumn.allocateNew(Math.max(1L, urlBytes), rows);
    long validity = originColumn.getValidityBufferAddress();
    long offsets = originColumn.getOffsetBufferAddress();
    long data = originColumn.getDataBufferAddress();
    int end = 0;
    for (int row = 0; row < rows; row++) {
      if (anchorRows[row] >= 0 && originRows[row] >= 0) {
        end += origins.copyUrl(originRows[row], data + end);
        setBit(validity, row);
      }
      MemoryUtil.putInt(offsets + (row + 1L) * Integer.BYTES, end);
    }
    originColumn.setLastSet(rows - 1);
  }

  private static void setBit(long validity, int row) {
    long address = validity + (row >>> 3);
    MemoryUtil.putByte(address, (byte) (MemoryUtil.getByte(address) | 1 << (row & 7)));
  }

  @Override
  public void close() {
    out.close();
  }
}
