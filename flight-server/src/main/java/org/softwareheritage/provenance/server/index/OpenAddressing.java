package org.softwareheritage.provenance.server.index;

/**
 * The slot arithmetic of the index's hash tables: linear probing over a table of 1.6 slots per
 * row (any size, not only powers of two), so probes stay short at 6.4 bytes per row.
 */
final class OpenAddressing {
  private OpenAddressing() {}

  /** Slots of a table holding {@code rows} rows; below 2^32, as {@link #slot} needs. */
  static long capacity(int rows) {
    return Math.max(16, rows * 8L / 5);
  }

  /** The home slot of {@code hash}: its high 32 bits scaled to {@code capacity}. */
  static long slot(long hash, long capacity) {
    return ((hash >>> 32) * capacity) >>> 32;
  }

  /** The slot probed after {@code slot}. */
  static long next(long slot, long capacity) {
    return slot + 1 == capacity ? 0 : slot + 1;
  }

  /** The finaliser of MurmurHash3: spreads every input bit over the whole word. */
  static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return x;
  }
}
