package org.softwareheritage.provenance.server.storage;

import org.apache.arrow.memory.util.MemoryUtil;

/**
 * The values of a uint64 or timestamp column by row: read from its region, or, for a column of
 * consecutive values that is not stored (the ids of a nodes table numbered densely, as the upstream
 * graph numbers them), computed from the first one.
 */
public final class LongColumn {
  private final long address;
  private final long first;
  private final boolean computed;

  private LongColumn(long address, long first, boolean computed) {
    this.address = address;
    this.first = first;
    this.computed = computed;
  }

  static LongColumn stored(Region values) {
    return new LongColumn(values.address(), 0, false);
  }

  static LongColumn consecutive(long first) {
    return new LongColumn(0, first, true);
  }

  /** The value of {@code row}. */
  public long get(long row) {
    return computed ? first + row : MemoryUtil.getLong(address + (row << 3));
  }

  /** Whether the values are {@code first}, {@code first + 1}, … and have no region. */
  public boolean isComputed() {
    return computed;
  }
}
