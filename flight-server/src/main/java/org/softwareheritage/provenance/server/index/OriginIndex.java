package org.softwareheritage.provenance.server.index;

import java.nio.charset.StandardCharsets;
import org.apache.arrow.memory.util.MemoryUtil;
import org.softwareheritage.provenance.server.storage.Columns;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.StoredTable;

/** Origin node id → URL, over the origins table sorted by id. */
public final class OriginIndex {
  private final KeyRangeIndex byId;
  private final long rows;
  private final long urlOffsets;
  private final long urlData;
  private final long urlBytes;

  private OriginIndex(KeyRangeIndex byId) {
    StoredTable origins = byId.table();
    this.byId = byId;
    this.rows = origins.rowCount();
    this.urlOffsets = origins.offsets(Columns.URL).address();
    this.urlData = origins.column(Columns.URL).address();
    this.urlBytes = origins.column(Columns.URL).length();
  }

  /**
   * Indexes the origins table, {@code byId}'s.
   *
   * @throws DatabaseLoadException if two rows share an id
   */
  static OriginIndex build(KeyRangeIndex byId) {
    for (long row = 1; row < byId.table().rowCount(); row++) {
      if (byId.key(row) == byId.key(row - 1)) {
        throw new DatabaseLoadException(
            "table origins, column id: duplicate origin id "
                + Long.toUnsignedString(byId.key(row)));
      }
    }
    return new OriginIndex(byId);
  }

  /** The index of an origins table checked by {@link #build}. */
  static OriginIndex open(KeyRangeIndex byId) {
    return new OriginIndex(byId);
  }

  /** The row of origin {@code id}, or -1 if there is none. */
  public long row(long id) {
    RowRange rows = byId.rows(id);
    return rows.isEmpty() ? -1 : rows.start();
  }

  /** The node id of the origin in {@code row}. */
  public long id(long row) {
    return byId.key(row);
  }

  /** Length in bytes of the UTF-8 URL of the origin in {@code row}. */
  public int urlLength(long row) {
    long start = urlStart(row);
    return (int) (urlEnd(row, start) - start);
  }

  /**
   * Copies the UTF-8 URL of the origin in {@code row} to {@code address}, which has room for it,
   * and returns its length. URLs are short: a loop of 8-byte moves beats a call to a copy routine.
   */
  public int copyUrl(long row, long address) {
    long start = urlStart(row);
    int length = (int) (urlEnd(row, start) - start);
    long from = urlData + start;
    int i = 0;
    for (; i + Long.BYTES <= length; i += Long.BYTES) {
      MemoryUtil.putLong(address + i, MemoryUtil.getLong(from + i));
    }
    for (; i < length; i++) {
      MemoryUtil.putByte(address + i, MemoryUtil.getByte(from + i));
    }
    return length;
  }

  /** The URL of the origin in {@code row}. */
  public String url(long row) {
    long start = urlStart(row);
    byte[] bytes = new byte[(int) (urlEnd(row, start) - start)];
    MemoryUtil.copyFromMemory(urlData + start, bytes, 0, bytes.length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private long urlStart(long row) {
    DamagedIndexException.checkRow(row, rows, "origin");
    return MemoryUtil.getLong(urlOffsets + (row << 3));
  }

  /** The end of the URL of {@code row}, checked to lie within the URL bytes. */
  private long urlEnd(long row, long start) {
    long end = MemoryUtil.getLong(urlOffsets + ((row + 1) << 3));
    if (start < 0 || end < start || end > urlBytes || end - start > Integer.MAX_VALUE) {
      throw new DamagedIndexException(
          "damaged index: URL of origin row " + row + " at [" + start + ", " + end + ")");
    }
    return end;
  }
}
