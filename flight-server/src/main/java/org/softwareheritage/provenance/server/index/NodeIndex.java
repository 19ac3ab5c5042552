package org.softwareheritage.provenance.server.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.LoadedTable;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * SWHID → row of the nodes table, and the SWHID of a row as text. An open-addressing hash table
 * of row numbers in Arrow memory (6.4 bytes per node), probed against the nodes' own columns, so
 * a lookup costs one or two cache misses whatever the database size.
 */
public final class NodeIndex implements AutoCloseable {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle NATIVE_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final VarHandle NATIVE_SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.nativeOrder());
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** The first 8 bytes of "swh:1:TAG:" of each object type (by ordinal), as a long in memory order. */
  private static final long[] TAG_HEADS = new long[ObjectType.values().length];
  /** The last 2 bytes of "swh:1:TAG:" of each object type, as a short in memory order. */
  private static final short[] TAG_TAILS = new short[ObjectType.values().length];

  static {
    for (ObjectType type : ObjectType.values()) {
      byte[] text = ("swh:1:" + type.tag() + ":").getBytes(StandardCharsets.US_ASCII);
      ByteBuffer buffer = ByteBuffer.wrap(text).order(ByteOrder.nativeOrder());
      TAG_HEADS[type.ordinal()] = buffer.getLong(0);
      TAG_TAILS[type.ordinal()] = buffer.getShort(8);
    }
  }

  /** Rows inserted into the table at a time (see {@link #insertAll}). */
  private static final int INSERT_BLOCK = 256;

  /** Ints {@link #writeSwhids} gathers per row: the type and the 5 words of the hash. */
  public static final int GATHERED_INTS = 1 + Swhid.HASH_LENGTH / Integer.BYTES;

  private final NodeIds ids;
  private final int size;
  private final long hashAddress;
  private final long capacity;
  private final ArrowBuf bySwhid;
  // slots are read by address: ArrowBuf's checked accessors cost more than the probe itself
  private final long bySwhidAddress;

  private NodeIndex(LoadedTable nodes, NodeIds ids, ArrowBuf bySwhid, long capacity) {
    this.ids = ids;
    this.size = nodes.rowCount();
    this.hashAddress = ((BaseFixedWidthVector) nodes.vector("sha1_git")).getDataBufferAddress();
    this.capacity = capacity;
    this.bySwhid = bySwhid;
    this.bySwhidAddress = bySwhid.memoryAddress();
  }

  /**
   * Indexes the SWHIDs of {@code nodes}, whose types {@code ids} reads; {@code ids} stays the
   * caller's and must outlive the index.
   *
   * @throws DatabaseLoadException if two rows share a SWHID
   */
  public static NodeIndex build(LoadedTable nodes, NodeIds ids, BufferAllocator allocator) {
    long capacity = OpenAddressing.capacity(nodes.rowCount());
    ArrowBuf bySwhid = allocator.buffer(capacity * Integer.BYTES);
    try {
      bySwhid.setZero(0, bySwhid.capacity());
      NodeIndex index = new NodeIndex(nodes, ids, bySwhid, capacity);
      index.insertAll();
      return index;
    } catch (RuntimeException e) {
      bySwhid.close();
      throw e;
    }
  }

  /**
   * Inserts every row, a block at a time: the home slots of the block's rows, then the hashes of
   * the rows found in them, are first read in loops of independent reads, so that their cache
   * misses overlap; then the rows are inserted, reading from the cache.
   */
  private void insertAll() {
    long[] slots = new long[INSERT_BLOCK];
    int[] occupants = new int[INSERT_BLOCK];
    for (int start = 0; start < size; start += INSERT_BLOCK) {
      int count = Math.min(INSERT_BLOCK, size - start);
      for (int i = 0; i < count; i++) {
        long address = hashAddress + (long) (start + i) * Swhid.HASH_LENGTH;
        slots[i] = slot(swhidHash(ids.typeOrdinal(start + i), MemoryUtil.getLong(address),
            MemoryUtil.getLong(address + 8), MemoryUtil.getInt(address + 16)));
        occupants[i] = MemoryUtil.getInt(bySwhidAddress + (slots[i] << 2)) - 1;
      }
      for (int i = 0; i < count; i++) {
        if (occupants[i] >= 0) {
          occupants[i] = MemoryUtil.getInt(hashAddress + (long) occupants[i] * Swhid.HASH_LENGTH);
        }
      }
      for (int i = 0; i < count; i++) {
        insert(start + i, slots[i]);
      }
    }
  }

  private void insert(int row, long home) {
    long address = hashAddress + (long) row * Swhid.HASH_LENGTH;
    long a = MemoryUtil.getLong(address);
    long b = MemoryUtil.getLong(address + 8);
    int c = MemoryUtil.getInt(address + 16);
    int type = ids.typeOrdinal(row);
    long slot = home;
    for (int other; (other = MemoryUtil.getInt(bySwhidAddress + (slot << 2)) - 1) >= 0; slot = next(slot)) {
      if (matches(other, type, a, b, c)) {
        throw new DatabaseLoadException("table nodes, column sha1_git: duplicate SWHID " + swhid(row));
      }
    }
    MemoryUtil.putInt(bySwhidAddress + (slot << 2), row + 1);
  }

  /** The row of {@code swhid}, or -1 if the database does not know it. */
  public int row(Swhid swhid) {
    byte[] hash = swhid.hash();
    long a = (long) LONGS.get(hash, 0);
    long b = (long) LONGS.get(hash, 8);
    int c = (int) INTS.get(hash, 16);
    int type = swhid.type().ordinal();
    return probe(slot(swhidHash(type, a, b, c)), type, a, b, c);
  }

  /**
   * The rows of {@code count} SWHIDs at once: {@code rows[i]} is the row of the SWHID of type
   * {@code types[from + i]} (an {@link ObjectType} ordinal) and sha1_git
   * {@code hashes[20 (from + i), 20 (from + i) + 20)}, or -1. Each step is one loop over all SWHIDs
   * with independent memory reads, so the cache misses of different SWHIDs overlap instead of
   * being paid one after the other.
   */
  public void rows(byte[] types, byte[] hashes, int from, int count, int[] rows) {
    for (int i = 0; i < count; i++) {
      int h = (from + i) * Swhid.HASH_LENGTH;
      long slot = slot(swhidHash(types[from + i], (long) LONGS.get(hashes, h), (long) LONGS.get(hashes, h + 8),
          (int) INTS.get(hashes, h + 16)));
      rows[i] = MemoryUtil.getInt(bySwhidAddress + (slot << 2)) - 1;
    }
    for (int i = 0; i < count; i++) {
      int h = (from + i) * Swhid.HASH_LENGTH;
      long a = (long) LONGS.get(hashes, h);
      long b = (long) LONGS.get(hashes, h + 8);
      int c = (int) INTS.get(hashes, h + 16);
      int type = types[from + i];
      if (rows[i] >= 0 && !matches(rows[i], type, a, b, c)) {
        rows[i] = probe(next(slot(swhidHash(type, a, b, c))), type, a, b, c);
      }
    }
  }

  /** The row of a SWHID (by its type ordinal and hash words), probing from {@code slot} on; -1 if absent. */
  private int probe(long slot, int type, long a, long b, int c) {
    for (; ; slot = next(slot)) {
      int row = MemoryUtil.getInt(bySwhidAddress + (slot << 2)) - 1;
      if (row < 0 || matches(row, type, a, b, c)) {
        return row;
      }
    }
  }

  /** The SWHID of {@code row}. */
  public Swhid swhid(int row) {
    byte[] hash = new byte[Swhid.HASH_LENGTH];
    MemoryUtil.copyFromMemory(hashAddress + (long) row * Swhid.HASH_LENGTH, hash, 0, Swhid.HASH_LENGTH);
    return Swhid.of(ids.type(row), hash);
  }

  /**
   * Writes the SWHIDs of the non-negative rows among {@code rows[0, count)} one after the other
   * at {@code address} ({@value Swhid#TEXT_LENGTH} ASCII bytes each; the memory must have room
   * for them), without creating objects: the bulk answers' text. First the types and hashes are
   * gathered into {@code scratch} (at least {@value #GATHERED_INTS} ints per row) in a short loop
   * whose cache misses overlap, then formatted, the hex digits eight at a time.
   */
  public void writeSwhids(int[] rows, int count, long address, int[] scratch) {
    int gathered = 0;
    for (int i = 0; i < count; i++) {
      int row = rows[i];
      if (row >= 0) {
        long hash = hashAddress + (long) row * Swhid.HASH_LENGTH;
        scratch[gathered] = ids.typeOrdinal(row);
        for (int w = 0; w < Swhid.HASH_LENGTH / Integer.BYTES; w++) {
          scratch[gathered + 1 + w] = MemoryUtil.getInt(hash + (long) w * Integer.BYTES);
        }
        gathered += GATHERED_INTS;
      }
    }
    for (int g = 0; g < gathered; g += GATHERED_INTS) {
      MemoryUtil.putLong(address, TAG_HEADS[scratch[g]]);
      MemoryUtil.putShort(address + 8, TAG_TAILS[scratch[g]]);
      for (int w = 0; w < Swhid.HASH_LENGTH / Integer.BYTES; w++) {
        MemoryUtil.putLong(address + 10 + (long) w * Long.BYTES, hexDigits(scratch[g + 1 + w]));
      }
      address += Swhid.TEXT_LENGTH;
    }
  }

  /** The SWHID of {@code row} as {@value Swhid#TEXT_LENGTH} ASCII bytes (see {@link #writeSwhids}). */
  public byte[] swhidBytes(int row) {
    byte[] text = new byte[Swhid.TEXT_LENGTH];
    int type = ids.typeOrdinal(row);
    NATIVE_LONGS.set(text, 0, TAG_HEADS[type]);
    NATIVE_SHORTS.set(text, 8, TAG_TAILS[type]);
    long hash = hashAddress + (long) row * Swhid.HASH_LENGTH;
    for (int w = 0; w < Swhid.HASH_LENGTH / Integer.BYTES; w++) {
      NATIVE_LONGS.set(text, 10 + w * Long.BYTES, hexDigits(MemoryUtil.getInt(hash + (long) w * Integer.BYTES)));
    }
    return text;
  }

  /** The 8 lowercase hex digits of the 4 bytes of {@code bytes} (in memory order), in memory order. */
  private static long hexDigits(int bytes) {
    // one nibble per byte, most significant first (the first byte's high nibble is the first digit)
    long x = Integer.toUnsignedLong(MemoryUtil.LITTLE_ENDIAN ? Integer.reverseBytes(bytes) : bytes);
    x = (x | x << 16) & 0x0000FFFF0000FFFFL;
    x = (x | x << 8) & 0x00FF00FF00FF00FFL;
    x = (x | x << 4) & 0x0F0F0F0F0F0F0F0FL;
    if (MemoryUtil.LITTLE_ENDIAN) {
      x = Long.reverseBytes(x);
    }
    // '0' + nibble, plus 'a' - '0' - 10 = 39 for the nibbles above 9
    long letters = ((x + 0x0606060606060606L) >>> 4) & 0x0101010101010101L;
    return x + 0x3030303030303030L + letters * 39;
  }

  /** Bytes of Arrow memory held by the hash table (the nodes table is counted on its own). */
  public long sizeInBytes() {
    return bySwhid.capacity();
  }

  private boolean matches(int row, int type, long a, long b, int c) {
    long address = hashAddress + (long) row * Swhid.HASH_LENGTH;
    return MemoryUtil.getLong(address) == a && MemoryUtil.getLong(address + 8) == b
        && MemoryUtil.getInt(address + 16) == c && ids.typeOrdinal(row) == type;
  }

  private long slot(long hash) {
    return OpenAddressing.slot(hash, capacity);
  }

  private long next(long slot) {
    return OpenAddressing.next(slot, capacity);
  }

  private static long swhidHash(int type, long a, long b, int c) {
    return OpenAddressing.mix(a ^ OpenAddressing.mix(b ^ OpenAddressing.mix(((long) c << 8) | type)));
  }

  @Override
  public void close() {
    bySwhid.close();
  }
}
