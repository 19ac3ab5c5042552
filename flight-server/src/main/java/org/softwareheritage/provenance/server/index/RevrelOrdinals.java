package org.softwareheritage.provenance.server.index;

import org.apache.arrow.memory.util.MemoryUtil;
import org.softwareheritage.provenance.server.storage.Region;
import org.softwareheritage.provenance.server.storage.RegionStore;

/**
 * The ordinal of each revision or release among the revision and release rows of the nodes table,
 * so that what only they have (author date, smallest origin) is stored once per revision or release
 * rather than once per node. A rank directory: per 64 rows, a word with one bit per revision or
 * release and the count of those before it (16 bytes, 0.25 byte per node), so an ordinal costs one
 * memory read.
 */
final class RevrelOrdinals {
  private static final int ENTRY_BYTES = 16;
  private static final String RANKS = "revrels.ranks";
  private static final String COUNT = "revrels.count";

  private final long address;
  private final long count;

  private RevrelOrdinals(Region ranks, long count) {
    this.address = ranks.address();
    this.count = count;
  }

  static RevrelOrdinals build(NodeIds ids, RegionStore store) {
    long words = (ids.size() + 63) >>> 6;
    Region ranks = store.create(RANKS, words * ENTRY_BYTES);
    long count = 0;
    for (long word = 0; word < words; word++) {
      long bits = 0;
      for (long bit = 0, row = word << 6; bit < 64 && row < ids.size(); bit++, row++) {
        if (ids.type(row).isRevisionOrRelease()) {
          bits |= 1L << bit;
        }
      }
      MemoryUtil.putLong(ranks.at(word * ENTRY_BYTES), bits);
      MemoryUtil.putLong(ranks.at(word * ENTRY_BYTES + Long.BYTES), count);
      count += Long.bitCount(bits);
    }
    store.set(COUNT, count);
    return new RevrelOrdinals(ranks, count);
  }

  static RevrelOrdinals open(RegionStore store) {
    return new RevrelOrdinals(store.region(RANKS), store.number(COUNT));
  }

  /** Number of revisions and releases. */
  long count() {
    return count;
  }

  /** Where the rank entry that {@link #ordinal} reads for {@code row} is (16 bytes). */
  long entryAddress(long row) {
    return address + (row >>> 6) * ENTRY_BYTES;
  }

  /** The ordinal of the revision or release in node row {@code row}. */
  long ordinal(long row) {
    long entry = entryAddress(row);
    long before = MemoryUtil.getLong(entry) & ((1L << (row & 63)) - 1);
    return DamagedIndexException.checkRow(
        MemoryUtil.getLong(entry + Long.BYTES) + Long.bitCount(before),
        count,
        "revision or release");
  }
}
