package org.softwareheritage.provenance.server.index;

import org.softwareheritage.provenance.server.storage.LongColumn;
import org.softwareheritage.provenance.server.storage.StoredTable;

/**
 * Key → row range of a table kept sorted by its key column (the node or origin id, the first column
 * of a {@code *_in_*} table). Binary search over the key column itself (arithmetic for consecutive
 * ids): no storage beyond the table.
 */
public final class KeyRangeIndex {
  private final StoredTable table;
  private final LongColumn keys;
  private final long rows;

  public KeyRangeIndex(StoredTable table) {
    this.table = table;
    this.keys = table.longs(table.table().sortKey().get(0));
    this.rows = table.rowCount();
  }

  public StoredTable table() {
    return table;
  }

  /** The key of {@code row}. */
  public long key(long row) {
    return keys.get(row);
  }

  /** Rows whose key is {@code key}. */
  public RowRange rows(long key) {
    if (keys.isComputed()) {
      long row = key - keys.get(0);
      return Long.compareUnsigned(row, rows) < 0 ? new RowRange(row, row + 1) : RowRange.EMPTY;
    }
    long start = lowerBound(key, 0, rows);
    if (start == rows || key(start) != key) {
      return RowRange.EMPTY;
    }
    return new RowRange(start, upperBound(key, start, rows));
  }

  /** Rows whose key is between {@code first} and {@code last}, both inclusive (unsigned order). */
  public RowRange rows(long first, long last) {
    if (Long.compareUnsigned(first, last) > 0) {
      return RowRange.EMPTY;
    }
    long start = lowerBound(first, 0, rows);
    return new RowRange(start, upperBound(last, start, rows));
  }

  /** First row in [from, to) whose key is not less than {@code key}. */
  private long lowerBound(long key, long from, long to) {
    long low = from;
    long high = to;
    while (low < high) {
      long middle = (low + high) >>> 1;
      if (Long.compareUnsigned(key(middle), key) < 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /** First row in [from, to) whose key is greater than {@code key}. */
  private long upperBound(long key, long from, long to) {
    long low = from;
    long high = to;
    while (low < high) {
      long middle = (low + high) >>> 1;
      if (Long.compareUnsigned(key(middle), key) <= 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
