package org.softwareheritage.provenance.server.index;

/**
 * The slot arithmetic of the node-id hash table (only databases whose node ids are not dense need
 * it): linear probing over a table of 1.6 slots per row, any size.
 */
final class OpenAddressing {
  private OpenAddressing() {}

  /** Slots of a table holding {@code rows} rows. */
  static long capacity(long rows) {
    return Math.max(16, rows * 8 / 5);
  }

  /** The home slot of {@code hash} in a table of {@code capacity} slots. */
  static long slot(long hash, long capacity) {
    return Long.remainderUnsigned(hash, capacity);
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
