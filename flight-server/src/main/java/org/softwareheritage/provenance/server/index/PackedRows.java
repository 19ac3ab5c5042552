package org.softwareheritage.provenance.server.index;

import org.apache.arrow.memory.util.MemoryUtil;

/**
 * Arrays of row numbers stored in {@value #BYTES} bytes each (up to 2^40 − 2 rows; all ones means
 * "none", read as -1): 37 % less than 8-byte rows for the per-node indices, read with one 8-byte
 * load (arrays carry 3 bytes of padding at their end).
 */
final class PackedRows {
  static final int BYTES = 5;
  private static final long NONE = (1L << 40) - 1;

  private PackedRows() {}

  /** Bytes of an array of {@code count} rows, padding included. */
  static long bytes(long count) {
    return count * BYTES + Long.BYTES - BYTES;
  }

  /** Element {@code i} of the array at {@code address}: a row, or -1. */
  static long get(long address, long i) {
    long value = MemoryUtil.getLong(address + i * BYTES) & NONE;
    return value == NONE ? -1 : value;
  }

  /** Sets element {@code i} to {@code row} (-1: none). */
  static void put(long address, long i, long row) {
    long value = row < 0 ? NONE : row;
    MemoryUtil.putInt(address + i * BYTES, (int) value);
    MemoryUtil.putByte(address + i * BYTES + Integer.BYTES, (byte) (value >>> 32));
  }

  /** Sets elements [0, count) to -1. */
  static void fillNone(long address, long count) {
    MemoryUtil.setMemory(address, count * BYTES, (byte) 0xff);
  }
}
