package org.softwareheritage.provenance.server.index;

import java.nio.charset.StandardCharsets;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.VarCharVector;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.LoadedTable;

/** Origin node id → URL, over the origins table sorted by id. */
public final class OriginIndex {
  private final KeyRangeIndex byId;
  private final VarCharVector urls;
  // read by address: ArrowBuf's checked accessors cost more than a bulk answer's other work
  private final long urlOffsets;
  private final long urlData;

  /**
   * Indexes the origins table, {@code byId}'s.
   *
   * @throws DatabaseLoadException if two rows share an id
   */
  public OriginIndex(KeyRangeIndex byId) {
    LoadedTable origins = byId.table();
    this.byId = byId;
    this.urls = (VarCharVector) origins.vector("url");
    this.urlOffsets = urls.getOffsetBufferAddress();
    this.urlData = urls.getDataBufferAddress();
    for (int row = 1; row < origins.rowCount(); row++) {
      if (byId.key(row) == byId.key(row - 1)) {
        throw new DatabaseLoadException("table origins, column id: duplicate origin id "
            + Long.toUnsignedString(byId.key(row)));
      }
    }
  }

  /** The row of origin {@code id}, or -1 if there is none. */
  public int row(long id) {
    RowRange rows = byId.rows(id);
    return rows.isEmpty() ? -1 : rows.start();
  }

  /** The node id of the origin in {@code row}. */
  public long id(int row) {
    return byId.key(row);
  }

  /** Length in bytes of the UTF-8 URL of the origin in {@code row}. */
  public int urlLength(int row) {
    return urlStart(row + 1) - urlStart(row);
  }

  /**
   * Copies the UTF-8 URL of the origin in {@code row} to {@code address}, which has room for it,
   * and returns its length. URLs are short: a loop of 8-byte moves beats a call to a copy routine.
   */
  public int copyUrl(int row, long address) {
    int start = urlStart(row);
    int length = urlStart(row + 1) - start;
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

  private int urlStart(int row) {
    return MemoryUtil.getInt(urlOffsets + (long) row * Integer.BYTES);
  }

  /** The URL of the origin in {@code row}. */
  public String url(int row) {
    return new String(urls.get(row), StandardCharsets.UTF_8);
  }
}
