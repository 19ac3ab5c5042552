package org.softwareheritage.provenance.server.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.LongStream;
import org.apache.arrow.memory.util.MemoryUtil;
import org.softwareheritage.provenance.server.storage.Columns;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.Region;
import org.softwareheritage.provenance.server.storage.RegionStore;
import org.softwareheritage.provenance.server.storage.StoredTable;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * SWHID → row of the nodes table, and the SWHID of a row as text. The index is an array of one
 * 8-byte entry per node, sorted by sha1_git: the 24 bits of the hash that follow its bucket number,
 * then the node's row (40 bits). A directory gives the first entry of each bucket (the hash's top
 * bits, about {@value #BUCKET_ENTRIES} entries each); SHA-1 being uniform, the hash's next 24 bits
 * then interpolate the entry's place within its bucket to within a few entries, so a lookup reads
 * one page of entries (the small directory stays cached), then the node's own row to confirm the
 * whole SWHID.
 */
public final class NodeIndex {
  private static final VarHandle BIG_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle NATIVE_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final VarHandle NATIVE_SHORTS =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.nativeOrder());

  private static final String ENTRIES = "swhids.entries";
  private static final String DIRECTORY = "swhids.directory";
  private static final String BUCKET_BITS = "swhids.bucket_bits";

  /** Entries per bucket the directory aims at. */
  static final int BUCKET_ENTRIES = 2048;

  private static final int FRAGMENT_BITS = 24;
  private static final int ROW_BITS = 40;
  private static final long ROW_MASK = (1L << ROW_BITS) - 1;

  /**
   * The first 8 bytes of "swh:1:TAG:" of each object type (by ordinal), as a long in memory order.
   */
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

  /** Ints {@link #writeSwhids} gathers per row: the type and the 5 words of the hash. */
  public static final int GATHERED_INTS = 1 + Swhid.HASH_LENGTH / Integer.BYTES;

  private final NodeIds ids;
  private final long size;
  private final long hashAddress;
  private final long entries;
  private final long directory;
  private final int bucketBits;

  private NodeIndex(
      StoredTable nodes, NodeIds ids, Region entries, Region directory, int bucketBits) {
    this.ids = ids;
    this.size = nodes.rowCount();
    this.hashAddress = nodes.column(Columns.SHA1_GIT).address();
    this.entries = entries.address();
    this.directory = directory.address();
    this.bucketBits = bucketBits;
  }

  /**
   * Indexes the SWHIDs of {@code nodes} into {@code store}; {@code ids} reads their types.
   *
   * @throws DatabaseLoadException if two rows share a SWHID
   */
  static NodeIndex build(StoredTable nodes, NodeIds ids, RegionStore store) {
    long size = nodes.rowCount();
    int bucketBits =
        size <= BUCKET_ENTRIES ? 0 : 63 - Long.numberOfLeadingZeros(size / BUCKET_ENTRIES);
    long buckets = 1L << bucketBits;
    store.set(BUCKET_BITS, bucketBits);
    NodeIndex index =
        new NodeIndex(
            nodes,
            ids,
            store.create(ENTRIES, size * Long.BYTES),
            store.create(DIRECTORY, (buckets + 1) * Long.BYTES),
            bucketBits);
    index.fill(buckets);
    return index;
  }

  /**
   * The index of {@code nodes} that {@code store} holds. Its directory, which every lookup reads
   * (at most 1/2048 of the entries' bytes), starts being read into memory at once.
   */
  static NodeIndex open(StoredTable nodes, NodeIds ids, RegionStore store) {
    int bucketBits = (int) store.number(BUCKET_BITS);
    Region entries = store.region(ENTRIES);
    Region directory = store.region(DIRECTORY);
    if (bucketBits < 0
        || bucketBits > ROW_BITS
        || entries.length() != nodes.rowCount() * Long.BYTES
        || directory.length() != ((1L << bucketBits) + 1) * Long.BYTES) {
      throw new DatabaseLoadException(store + ": the SWHID index does not match the nodes table");
    }
    store.willNeed(directory.address(), directory.length());
    return new NodeIndex(nodes, ids, entries, directory, bucketBits);
  }

  /**
   * Counts the entries of each bucket, places every entry in its bucket (a counting sort), then
   * sorts each bucket, in parallel, and checks that no two rows share a SWHID.
   */
  private void fill(long buckets) {
    for (long row = 0; row < size; row++) {
      long slot = directory + ((bucket(key(row)) + 1) << 3);
      MemoryUtil.putLong(slot, MemoryUtil.getLong(slot) + 1);
    }
    for (long b = 1; b <= buckets; b++) {
      MemoryUtil.putLong(
          directory + (b << 3),
          MemoryUtil.getLong(directory + (b << 3))
              + MemoryUtil.getLong(directory + ((b - 1) << 3)));
    }
    for (long row = 0; row < size; row++) {
      long key = key(row);
      long cursor = directory + (bucket(key) << 3);
      long position = MemoryUtil.getLong(cursor);
      MemoryUtil.putLong(entries + (position << 3), fragment(key) << ROW_BITS | row);
      MemoryUtil.putLong(cursor, position + 1);
    }
    for (long b = buckets; b > 0; b--) {
      MemoryUtil.putLong(directory + (b << 3), MemoryUtil.getLong(directory + ((b - 1) << 3)));
    }
    MemoryUtil.putLong(directory, 0);
    LongStream.range(0, buckets).parallel().forEach(this::sortBucket);
  }

  private void sortBucket(long bucket) {
    long start = MemoryUtil.getLong(directory + (bucket << 3));
    long entriesInBucket = MemoryUtil.getLong(directory + ((bucket + 1) << 3)) - start;
    if (entriesInBucket > Integer.MAX_VALUE - 8) {
      throw new DatabaseLoadException(
          "table nodes, column sha1_git: "
              + entriesInBucket
              + " hashes share their first "
              + bucketBits
              + " bits: sha1_git values are not SHA-1 hashes");
    }
    int count = (int) entriesInBucket;
    long[] sorted = new long[count];
    for (int i = 0; i < count; i++) {
      // entries compare as unsigned: flip the sign bit to sort them as signed
      sorted[i] = MemoryUtil.getLong(entries + ((start + i) << 3)) ^ Long.MIN_VALUE;
    }
    Arrays.sort(sorted);
    for (int i = 0; i < count; i++) {
      long entry = sorted[i] ^ Long.MIN_VALUE;
      MemoryUtil.putLong(entries + ((start + i) << 3), entry);
      for (int j = i - 1;
          j >= 0 && (sorted[j] ^ Long.MIN_VALUE) >>> ROW_BITS == entry >>> ROW_BITS;
          j--) {
        long row = entry & ROW_MASK;
        long other = (sorted[j] ^ Long.MIN_VALUE) & ROW_MASK;
        if (ids.typeOrdinal(row) == ids.typeOrdinal(other) && sameHash(row, other)) {
          throw new DatabaseLoadException(
              "table nodes, column sha1_git: duplicate SWHID " + swhid(row));
        }
      }
    }
  }

  private boolean sameHash(long row, long other) {
    long a = hashAddress + row * Swhid.HASH_LENGTH;
    long b = hashAddress + other * Swhid.HASH_LENGTH;
    return MemoryUtil.getLong(a) == MemoryUtil.getLong(b)
        && MemoryUtil.getLong(a + 8) == MemoryUtil.getLong(b + 8)
        && MemoryUtil.getInt(a + 16) == MemoryUtil.getInt(b + 16);
  }

  /** The first 8 bytes of the hash of {@code row}, as a big-endian number. */
  private long key(long row) {
    return Long.reverseBytes(MemoryUtil.getLong(hashAddress + row * Swhid.HASH_LENGTH));
  }

  private long bucket(long key) {
    return bucketBits == 0 ? 0 : key >>> (Long.SIZE - bucketBits);
  }

  private long fragment(long key) {
    return (key << bucketBits) >>> (Long.SIZE - FRAGMENT_BITS);
  }

  /** The row of {@code swhid}, or -1 if the database does not know it. */
  public long row(Swhid swhid) {
    byte[] type = {(byte) swhid.type().ordinal()};
    long[] rows = new long[1];
    long[] positions = new long[1];
    candidates(swhid.hash(), 0, 1, rows, positions);
    confirm(type, swhid.hash(), 0, 1, rows, positions);
    return rows[0];
  }

  /**
   * The first step of looking up {@code count} SWHIDs at once, of sha1_git {@code hashes[20 (from +
   * i), 20 (from + i) + 20)}: {@code rows[i]} becomes the row of the entry where the SWHID's hash
   * would be (the node that {@link #confirm} compares first, its answer in all but rare cases), or
   * -1 if none can match, and {@code positions[i]} that entry. Each step is one loop over all
   * SWHIDs with independent memory reads (the directory, then the entries), so the cache misses of
   * different SWHIDs overlap instead of being paid one after the other.
   */
  public void candidates(byte[] hashes, int from, int count, long[] rows, long[] positions) {
    for (int i = 0; i < count; i++) {
      positions[i] = guess((long) BIG_ENDIAN_LONGS.get(hashes, (from + i) * Swhid.HASH_LENGTH));
    }
    for (int i = 0; i < count; i++) {
      rows[i] = positions[i] < 0 ? -1 : entryRow(positions[i]);
    }
  }

  /**
   * The second step after {@link #candidates}: {@code rows[i]} becomes the row of the SWHID of type
   * {@code types[from + i]} (an {@link ObjectType} ordinal) and its hash, or -1 if the database
   * does not know it, comparing the whole SWHID with the candidate's node and, if they differ, with
   * the other nodes whose hashes share its entry's fragment.
   */
  public void confirm(
      byte[] types, byte[] hashes, int from, int count, long[] rows, long[] positions) {
    for (int i = 0; i < count; i++) {
      if (positions[i] >= 0) {
        int h = (from + i) * Swhid.HASH_LENGTH;
        rows[i] =
            find(
                positions[i],
                rows[i],
                types[from + i],
                (long) BIG_ENDIAN_LONGS.get(hashes, h),
                (long) LONGS.get(hashes, h),
                (long) LONGS.get(hashes, h + 8),
                (int) INTS.get(hashes, h + 16));
      }
    }
  }

  /**
   * Where an entry of {@code key} would be, interpolated within its bucket; -1 if the bucket is
   * empty.
   */
  private long guess(long key) {
    long bucket = bucket(key);
    long start = MemoryUtil.getLong(directory + (bucket << 3));
    long end = MemoryUtil.getLong(directory + ((bucket + 1) << 3));
    if (start < 0 || end > size || start > end) {
      throw new DamagedIndexException(
          "damaged index: SWHID bucket " + bucket + " is [" + start + ", " + end + ")");
    }
    return start == end ? -1 : start + ((fragment(key) * (end - start)) >>> FRAGMENT_BITS);
  }

  private long entryRow(long position) {
    return DamagedIndexException.checkRow(
        MemoryUtil.getLong(entries + (position << 3)) & ROW_MASK, size, "node");
  }

  /**
   * The row of the SWHID, searching from its interpolated {@code position} (whose entry names
   * {@code candidate}): to the first entry of its fragment, then through the entries of that
   * fragment, comparing each one's node with the SWHID.
   */
  private long find(long position, long candidate, int type, long key, long a, long b, int c) {
    long fragment = fragment(key);
    long bucket = bucket(key);
    long start = MemoryUtil.getLong(directory + (bucket << 3));
    long end = MemoryUtil.getLong(directory + ((bucket + 1) << 3));
    long i = position;
    if (MemoryUtil.getLong(entries + (i << 3)) >>> ROW_BITS == fragment
        && matches(candidate, type, a, b, c)) {
      return candidate;
    }
    while (i > start && MemoryUtil.getLong(entries + ((i - 1) << 3)) >>> ROW_BITS >= fragment) {
      i--;
    }
    while (i < end && MemoryUtil.getLong(entries + (i << 3)) >>> ROW_BITS < fragment) {
      i++;
    }
    for (; i < end && MemoryUtil.getLong(entries + (i << 3)) >>> ROW_BITS == fragment; i++) {
      long row = entryRow(i);
      if (matches(row, type, a, b, c)) {
        return row;
      }
    }
    return -1;
  }

  /** Where the sha1_git of {@code row} is. */
  long hashAddress(long row) {
    return hashAddress + row * Swhid.HASH_LENGTH;
  }

  private boolean matches(long row, int type, long a, long b, int c) {
    long address = hashAddress(row);
    return MemoryUtil.getLong(address) == a
        && MemoryUtil.getLong(address + 8) == b
        && MemoryUtil.getInt(address + 16) == c
        && ids.typeOrdinal(row) == type;
  }

  /** The SWHID of {@code row}. */
  public Swhid swhid(long row) {
    byte[] hash = new byte[Swhid.HASH_LENGTH];
    MemoryUtil.copyFromMemory(hashAddress + row * Swhid.HASH_LENGTH, hash, 0, Swhid.HASH_LENGTH);
    return Swhid.of(ids.type(row), hash);
  }

  /**
   * Writes the SWHIDs of the non-negative rows among {@code rows[0, count)} one after the other at
   * {@code address} ({@value Swhid#TEXT_LENGTH} ASCII bytes each; the memory must have room for
   * them), without creating objects: the bulk answers' text. First the types and hashes are
   * gathered into {@code scratch} (at least {@value #GATHERED_INTS} ints per row) in a short loop
   * whose cache misses overlap, then formatted, the hex digits eight at a time.
   */
  public void writeSwhids(long[] rows, int count, long address, int[] scratch) {
    int gathered = 0;
    for (int i = 0; i < count; i++) {
      long row = rows[i];
      if (row >= 0) {
        long hash = hashAddress + row * Swhid.HASH_LENGTH;
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

  /**
   * The SWHID of {@code row} as {@value Swhid#TEXT_LENGTH} ASCII bytes (see {@link #writeSwhids}).
   */
  public byte[] swhidBytes(long row) {
    byte[] text = new byte[Swhid.TEXT_LENGTH];
    int type = ids.typeOrdinal(row);
    NATIVE_LONGS.set(text, 0, TAG_HEADS[type]);
    NATIVE_SHORTS.set(text, 8, TAG_TAILS[type]);
    long hash = hashAddress + row * Swhid.HASH_LENGTH;
    for (int w = 0; w < Swhid.HASH_LENGTH / Integer.BYTES; w++) {
      NATIVE_LONGS.set(
          text, 10 + w * Long.BYTES, hexDigits(MemoryUtil.getInt(hash + (long) w * Integer.BYTES)));
    }
    return text;
  }

  /**
   * The 8 lowercase hex digits of the 4 bytes of {@code bytes} (in memory order), in memory order.
   */
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
}
