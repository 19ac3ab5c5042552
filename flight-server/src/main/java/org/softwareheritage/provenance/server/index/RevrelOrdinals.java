package org.softwareheritage.provenance.server.index;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;

/**
 * The ordinal of each revision or release among the revision and release rows of the nodes
 * table, so that what only they have (author date, smallest origin) is stored once per revision
 * or release rather than once per node. A rank directory: per 64 rows, a word with one bit per
 * revision or release and the count of those before it (16 bytes, 0.25 byte per node), so an
 * ordinal costs one memory read.
 */
final class RevrelOrdinals implements AutoCloseable {
  private static final int ENTRY_BYTES = 16;

  private final ArrowBuf entries;
  private final long address;
  private final int count;

  private RevrelOrdinals(ArrowBuf entries, int count) {
    this.entries = entries;
    this.address = entries.memoryAddress();
    this.count = count;
  }

  static RevrelOrdinals build(NodeIds ids, BufferAllocator allocator) {
    int words = (ids.size() + 63) >>> 6;
    ArrowBuf entries = allocator.buffer(Math.max(1, (long) words * ENTRY_BYTES));
    long address = entries.memoryAddress();
    int count = 0;
    for (int word = 0; word < words; word++) {
      long bits = 0;
      for (int bit = 0, row = word << 6; bit < 64 && row < ids.size(); bit++, row++) {
        if (ids.type(row).isRevisionOrRelease()) {
          bits |= 1L << bit;
        }
      }
      MemoryUtil.putLong(address + (long) word * ENTRY_BYTES, bits);
      MemoryUtil.putLong(address + (long) word * ENTRY_BYTES + Long.BYTES, count);
      count += Long.bitCount(bits);
    }
    return new RevrelOrdinals(entries, count);
  }

  /** Number of revisions and releases. */
  int count() {
    return count;
  }

  /** The ordinal of the revision or release in node row {@code row}. */
  int ordinal(int row) {
    long entry = address + (long) (row >>> 6) * ENTRY_BYTES;
    long before = MemoryUtil.getLong(entry) & ((1L << (row & 63)) - 1);
    return (int) MemoryUtil.getLong(entry + Long.BYTES) + Long.bitCount(before);
  }

  long sizeInBytes() {
    return entries.capacity();
  }

  @Override
  public void close() {
    entries.close();
  }
}
