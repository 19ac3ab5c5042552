package org.softwareheritage.provenance.server.index;

/** Rows {@code start} (inclusive) to {@code end} (exclusive) of a loaded table. */
public record RowRange(int start, int end) {
  public static final RowRange EMPTY = new RowRange(0, 0);

  public int size() {
    return end - start;
  }

  public boolean isEmpty() {
    return end <= start;
  }
}
