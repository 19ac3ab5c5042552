package org.softwareheritage.provenance.server.query;

/**
 * The answers for a batch of SWHIDs, one column per field, filled by {@link
 * ProvenanceQueries#lookUp}: for SWHID {@code i} of the batch, {@code rows[i]} is its node row (-1:
 * unknown), {@code anchorRows[i]} its anchor's node row (-1: none), {@code dates[i]} the anchor's
 * author date ({@link org.softwareheritage.provenance.server.index.ProvenanceIndex#NO_DATE}: none)
 * and {@code originRows[i]} the row of the anchor's smallest origin in the origins table (-1:
 * none). WhereIsOne uses a batch of one, the streams larger ones.
 */
public final class LookupBatch {
  public final long[] rows;
  public final long[] anchorRows;
  public final long[] dates;
  public final long[] originRows;

  /** Scratch of the SWHID index lookups. */
  final long[] positions;

  /** A batch of at most {@code capacity} SWHIDs. */
  public LookupBatch(int capacity) {
    rows = new long[capacity];
    anchorRows = new long[capacity];
    dates = new long[capacity];
    originRows = new long[capacity];
    positions = new long[capacity];
  }

  /** Heap bytes of a batch of {@code capacity} SWHIDs (five longs each). */
  public static long heapBytes(int capacity) {
    return 5L * Long.BYTES * capacity;
  }
}
