package org.softwareheritage.provenance.server.index;

/** Rows {@code start} (inclusive) to {@code end} (exclusive) of a stored table. */
public record RowRange(long start, long end) {
  public static final RowRange EMPTY = new RowRange(0, 0);

  public long size() {
    return end - start;
  }

  public boolean isEmpty() {
    return end <= start;
  }
}
