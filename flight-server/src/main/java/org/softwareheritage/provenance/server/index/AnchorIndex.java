package org.softwareheritage.provenance.server.index;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.util.AutoCloseables;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.LoadedTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * The answers precomputed at load time: the earliest anchor of every content and directory (a
 * revision or release is its own), by node row (4 bytes per node), and the author date and
 * smallest origin of every revision and release (12 bytes each). Building it checks that every
 * row of the provenance tables names known nodes of the right types, and that each revision or
 * release has one author date.
 */
final class AnchorIndex implements AutoCloseable {
  /** Rows of a provenance table processed at a time by the staged loops. */
  private static final int BLOCK = 256;

  private final NodeIds ids;
  private final RevrelOrdinals revrels;
  private final ArrowBuf anchorRows;
  private final ArrowBuf dates;
  private final ArrowBuf originRows;
  // read and written by address: ArrowBuf's checked accessors cost more than the lookups themselves
  private final long anchorRowsAddress;
  private final long datesAddress;
  private final long originRowsAddress;

  private AnchorIndex(NodeIds ids, RevrelOrdinals revrels, ArrowBuf anchorRows, ArrowBuf dates, ArrowBuf originRows) {
    this.ids = ids;
    this.revrels = revrels;
    this.anchorRows = anchorRows;
    this.dates = dates;
    this.originRows = originRows;
    this.anchorRowsAddress = anchorRows.memoryAddress();
    this.datesAddress = dates.memoryAddress();
    this.originRowsAddress = originRows.memoryAddress();
  }

  /**
   * Computes the anchors from the provenance tables; {@code ids} and the tables must outlive the
   * index.
   *
   * @throws DatabaseLoadException if a row names a node that is not in nodes or not of the
   *     expected type, or an origin that is not in origins, or if a revision or release has two
   *     author dates
   */
  static AnchorIndex build(NodeIds ids, OriginIndex origins, KeyRangeIndex contentsInRevisions,
      KeyRangeIndex contentsInDirectories, KeyRangeIndex directoriesInRevisions,
      KeyRangeIndex revisionsInOrigins, BufferAllocator allocator) {
    RevrelOrdinals revrels = RevrelOrdinals.build(ids, allocator);
    ArrowBuf anchorRows = null;
    ArrowBuf dates = null;
    ArrowBuf originRows = null;
    try {
      anchorRows = allocator.buffer(Math.max(1, (long) ids.size() * Integer.BYTES));
      dates = allocator.buffer(Math.max(1, (long) revrels.count() * Long.BYTES));
      originRows = allocator.buffer(Math.max(1, (long) revrels.count() * Integer.BYTES));
      originRows.setOne(0, originRows.capacity());
      AnchorIndex index = new AnchorIndex(ids, revrels, anchorRows, dates, originRows);
      for (int row = 0; row < ids.size(); row++) {
        index.setAnchor(row, ids.type(row).isRevisionOrRelease() ? row : -1);
      }
      for (int revrel = 0; revrel < revrels.count(); revrel++) {
        MemoryUtil.putLong(index.datesAddress + (long) revrel * Long.BYTES, ProvenanceIndex.NO_DATE);
      }
      index.anchorFromRevisions(directoriesInRevisions, "dir", ObjectType.DIRECTORY);
      index.anchorFromRevisions(contentsInRevisions, "cnt", ObjectType.CONTENT);
      index.anchorContentsFromDirectories(contentsInDirectories);
      index.smallestOrigins(revisionsInOrigins, origins);
      return index;
    } catch (RuntimeException e) {
      try {
        AutoCloseables.close(originRows, dates, anchorRows, revrels);
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Each key's first row (earliest date, then smallest revrel) of a table sorted that way, and
   * the author date of every revision or release it names. A block of rows at a time: first the
   * revision rows, then their ordinals, in loops of independent reads whose cache misses overlap.
   */
  private void anchorFromRevisions(KeyRangeIndex index, String keyColumn, ObjectType keyType) {
    LoadedTable table = index.table();
    long revrelIds = table.u64Address("revrel");
    long revrelDates = table.u64Address("revrel_author_date");
    int[] revrelRows = new int[BLOCK];
    int[] ordinals = new int[BLOCK];
    for (int start = 0; start < table.rowCount(); start += BLOCK) {
      int count = Math.min(BLOCK, table.rowCount() - start);
      for (int i = 0; i < count; i++) {
        revrelRows[i] = nodeRow(table, "revrel", LoadedTable.u64(revrelIds, start + i), ObjectType.REVISION,
            ObjectType.RELEASE);
      }
      for (int i = 0; i < count; i++) {
        ordinals[i] = revrels.ordinal(revrelRows[i]);
      }
      for (int i = 0; i < count; i++) {
        int row = start + i;
        setDate(table, LoadedTable.u64(revrelIds, row), ordinals[i], LoadedTable.u64(revrelDates, row));
        if (row == 0 || index.key(row) != index.key(row - 1)) {
          setAnchor(nodeRow(table, keyColumn, index.key(row), keyType, keyType), revrelRows[i]);
        }
      }
    }
  }

  private void setDate(LoadedTable table, long revrelId, int ordinal, long date) {
    long address = datesAddress + (long) ordinal * Long.BYTES;
    long known = MemoryUtil.getLong(address);
    if (known != date) {
      if (known != ProvenanceIndex.NO_DATE) {
        throw new DatabaseLoadException("table " + table.table().directory() + ", column revrel_author_date: node id "
            + Long.toUnsignedString(revrelId) + " has two author dates, " + known + " and " + date);
      }
      MemoryUtil.putLong(address, date);
    }
  }

  /**
   * Folds into each content's anchor the anchors of the frontier directories containing it, a
   * block of rows at a time: first the directories' anchors, then their dates, in loops of
   * independent reads whose cache misses overlap.
   */
  private void anchorContentsFromDirectories(KeyRangeIndex contentsInDirectories) {
    LoadedTable table = contentsInDirectories.table();
    long dirs = table.u64Address("dir");
    int[] candidates = new int[BLOCK];
    long[] candidateDates = new long[BLOCK];
    int contentRow = -1;
    for (int start = 0; start < table.rowCount(); start += BLOCK) {
      int count = Math.min(BLOCK, table.rowCount() - start);
      for (int i = 0; i < count; i++) {
        candidates[i] = anchorRow(nodeRow(table, "dir", LoadedTable.u64(dirs, start + i), ObjectType.DIRECTORY,
            ObjectType.DIRECTORY));
      }
      for (int i = 0; i < count; i++) {
        candidateDates[i] = candidates[i] < 0 ? ProvenanceIndex.NO_DATE : revrelDate(candidates[i]);
      }
      for (int i = 0; i < count; i++) {
        int row = start + i;
        if (row == 0 || contentsInDirectories.key(row) != contentsInDirectories.key(row - 1)) {
          contentRow = nodeRow(table, "cnt", contentsInDirectories.key(row), ObjectType.CONTENT, ObjectType.CONTENT);
        }
        if (candidates[i] >= 0 && isEarlier(candidates[i], candidateDates[i], anchorRow(contentRow))) {
          setAnchor(contentRow, candidates[i]);
        }
      }
    }
  }

  /**
   * Whether the revision or release in row {@code candidate}, of author date {@code date}, is
   * earlier than the one in row {@code current} (-1: none).
   */
  private boolean isEarlier(int candidate, long date, int current) {
    if (current < 0) {
      return true;
    }
    long currentDate = revrelDate(current);
    if (date != currentDate) {
      return date < currentDate;
    }
    return Long.compareUnsigned(ids.id(candidate), ids.id(current)) < 0;
  }

  private void smallestOrigins(KeyRangeIndex revisionsInOrigins, OriginIndex origins) {
    LoadedTable table = revisionsInOrigins.table();
    long oris = table.u64Address("ori");
    for (int row = 0; row < table.rowCount(); row++) {
      if (row == 0 || revisionsInOrigins.key(row) != revisionsInOrigins.key(row - 1)) {
        int revrelRow = nodeRow(table, "revrel", revisionsInOrigins.key(row), ObjectType.REVISION, ObjectType.RELEASE);
        long ori = LoadedTable.u64(oris, row);
        int originRow = origins.row(ori);
        if (originRow < 0) {
          throw new DatabaseLoadException("table " + table.table().directory() + ", column ori: origin id "
              + Long.toUnsignedString(ori) + " is not in origins");
        }
        MemoryUtil.putInt(originRowsAddress + (long) revrels.ordinal(revrelRow) * Integer.BYTES, originRow);
      }
    }
  }

  private int nodeRow(LoadedTable table, String column, long id, ObjectType type, ObjectType otherType) {
    int row = ids.row(id);
    if (row < 0) {
      throw new DatabaseLoadException(where(table, column, id) + " is not in nodes");
    }
    ObjectType actual = ids.type(row);
    if (actual != type && actual != otherType) {
      throw new DatabaseLoadException(where(table, column, id) + " is a " + actual.tag() + ", expected " + type.tag()
          + (otherType != type ? " or " + otherType.tag() : ""));
    }
    return row;
  }

  /** Names a row for an error message; only built on error, as it costs more than the lookup. */
  private static String where(LoadedTable table, String column, long id) {
    return "table " + table.table().directory() + ", column " + column + ": node id " + Long.toUnsignedString(id);
  }

  private void setAnchor(int row, int anchorRow) {
    MemoryUtil.putInt(anchorRowsAddress + (long) row * Integer.BYTES, anchorRow);
  }

  /** See {@link ProvenanceIndex#anchorRow}. */
  int anchorRow(int row) {
    return MemoryUtil.getInt(anchorRowsAddress + (long) row * Integer.BYTES);
  }

  /** The author date of the revision or release in {@code revrelRow}, or {@link ProvenanceIndex#NO_DATE}. */
  long revrelDate(int revrelRow) {
    return MemoryUtil.getLong(datesAddress + (long) revrels.ordinal(revrelRow) * Long.BYTES);
  }

  /** See {@link ProvenanceIndex#originRow}. */
  int originRow(int revrelRow) {
    return MemoryUtil.getInt(originRowsAddress + (long) revrels.ordinal(revrelRow) * Integer.BYTES);
  }

  long sizeInBytes() {
    return revrels.sizeInBytes() + anchorRows.capacity() + dates.capacity() + originRows.capacity();
  }

  @Override
  public void close() {
    try {
      AutoCloseables.close(originRows, dates, anchorRows, revrels);
    } catch (Exception e) {
      throw new IllegalStateException("closing anchor index", e);
    }
  }
}
