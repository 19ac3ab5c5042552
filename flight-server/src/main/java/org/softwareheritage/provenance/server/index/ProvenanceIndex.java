package org.softwareheritage.provenance.server.index;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.util.AutoCloseables;
import org.softwareheritage.provenance.server.storage.Database;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.LoadedTable;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * The in-memory indices every query path shares: nodes, origins, key → row range of each
 * {@code *_in_*} table, and, precomputed at load time, the earliest anchor of every content and
 * directory, the author date of every anchor and the smallest origin of every revision and
 * release (16 bytes per node). With them, answering for a content found in a million
 * directories costs the same few memory reads as for a rare one.
 */
public final class ProvenanceIndex implements AutoCloseable {
  /** Date of a node that has none. */
  public static final long NO_DATE = Long.MIN_VALUE;

  private final NodeIndex nodes;
  private final OriginIndex origins;
  private final KeyRangeIndex contentsInRevisions;
  private final KeyRangeIndex contentsInDirectories;
  private final KeyRangeIndex directoriesInRevisions;
  private final KeyRangeIndex revisionsInOrigins;
  private final ArrowBuf anchorRows;
  private final ArrowBuf anchorDates;
  private final ArrowBuf originRows;
  // read and written by address: ArrowBuf's checked accessors cost more than the lookups themselves
  private final long anchorRowsAddress;
  private final long anchorDatesAddress;
  private final long originRowsAddress;

  private ProvenanceIndex(Database database, NodeIndex nodes, ArrowBuf anchorRows, ArrowBuf anchorDates,
      ArrowBuf originRows) {
    this.nodes = nodes;
    this.origins = new OriginIndex(database.table(ProvenanceTable.ORIGINS));
    this.contentsInRevisions = new KeyRangeIndex(database.table(ProvenanceTable.CONTENTS_IN_REVISIONS));
    this.contentsInDirectories = new KeyRangeIndex(database.table(ProvenanceTable.CONTENTS_IN_DIRECTORIES));
    this.directoriesInRevisions = new KeyRangeIndex(database.table(ProvenanceTable.DIRECTORIES_IN_REVISIONS));
    this.revisionsInOrigins = new KeyRangeIndex(database.table(ProvenanceTable.REVISIONS_IN_ORIGINS));
    this.anchorRows = anchorRows;
    this.anchorDates = anchorDates;
    this.originRows = originRows;
    this.anchorRowsAddress = anchorRows.memoryAddress();
    this.anchorDatesAddress = anchorDates.memoryAddress();
    this.originRowsAddress = originRows.memoryAddress();
  }

  /**
   * Builds every index over {@code database}, which must outlive the index.
   *
   * @throws DatabaseLoadException if the tables are inconsistent (a row naming a node that is not
   *     in nodes or not of the expected type, an origin that is not in origins, duplicate ids)
   */
  public static ProvenanceIndex build(Database database, BufferAllocator allocator) {
    NodeIndex nodes = NodeIndex.build(database.table(ProvenanceTable.NODES), allocator);
    ArrowBuf anchorRows = null;
    ArrowBuf anchorDates = null;
    ArrowBuf originRows = null;
    try {
      long size = nodes.size();
      anchorRows = allocator.buffer(Math.max(1, size * Integer.BYTES));
      anchorDates = allocator.buffer(Math.max(1, size * Long.BYTES));
      originRows = allocator.buffer(Math.max(1, size * Integer.BYTES));
      anchorRows.setOne(0, anchorRows.capacity());
      originRows.setOne(0, originRows.capacity());
      for (long row = 0; row < size; row++) {
        anchorDates.setLong(row * Long.BYTES, NO_DATE);
      }
      ProvenanceIndex index = new ProvenanceIndex(database, nodes, anchorRows, anchorDates, originRows);
      index.computeAnchors();
      return index;
    } catch (RuntimeException e) {
      try {
        AutoCloseables.close(originRows, anchorDates, anchorRows, nodes);
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private void computeAnchors() {
    for (int row = 0; row < nodes.size(); row++) {
      if (nodes.type(row).isRevisionOrRelease()) {
        setAnchor(row, row);
      }
    }
    anchorFromRevisions(directoriesInRevisions, "dir", ObjectType.DIRECTORY);
    anchorFromRevisions(contentsInRevisions, "cnt", ObjectType.CONTENT);
    anchorContentsFromDirectories();
    smallestOrigins();
  }

  /** Each key's first row (earliest date, then smallest revrel) of a table sorted that way. */
  private void anchorFromRevisions(KeyRangeIndex index, String keyColumn, ObjectType keyType) {
    LoadedTable table = index.table();
    long revrels = table.u64Address("revrel");
    long dates = table.u64Address("revrel_author_date");
    int keyRow = -1;
    for (int row = 0; row < table.rowCount(); row++) {
      int revrelRow = nodeRow(table, "revrel", LoadedTable.u64(revrels, row), ObjectType.REVISION, ObjectType.RELEASE);
      long date = LoadedTable.u64(dates, row);
      setDate(revrelRow, date);
      if (row == 0 || index.key(row) != index.key(row - 1)) {
        keyRow = nodeRow(table, keyColumn, index.key(row), keyType, keyType);
        setAnchor(keyRow, revrelRow);
        setDate(keyRow, date);
      }
    }
  }

  /** Folds into each content's anchor the anchors of the frontier directories containing it. */
  private void anchorContentsFromDirectories() {
    LoadedTable table = contentsInDirectories.table();
    long dirs = table.u64Address("dir");
    int contentRow = -1;
    for (int row = 0; row < table.rowCount(); row++) {
      if (row == 0 || contentsInDirectories.key(row) != contentsInDirectories.key(row - 1)) {
        contentRow = nodeRow(table, "cnt", contentsInDirectories.key(row), ObjectType.CONTENT, ObjectType.CONTENT);
      }
      int dirRow = nodeRow(table, "dir", LoadedTable.u64(dirs, row), ObjectType.DIRECTORY, ObjectType.DIRECTORY);
      int candidate = anchorRow(dirRow);
      if (candidate >= 0 && isEarlier(anchorDate(dirRow), candidate, anchorDate(contentRow), anchorRow(contentRow))) {
        setAnchor(contentRow, candidate);
        setDate(contentRow, anchorDate(dirRow));
      }
    }
  }

  private boolean isEarlier(long date, int revrelRow, long currentDate, int currentRow) {
    if (currentRow < 0 || date != currentDate) {
      return currentRow < 0 || date < currentDate;
    }
    return Long.compareUnsigned(nodes.id(revrelRow), nodes.id(currentRow)) < 0;
  }

  private void smallestOrigins() {
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
        MemoryUtil.putInt(originRowsAddress + (long) revrelRow * Integer.BYTES, originRow);
      }
    }
  }

  private int nodeRow(LoadedTable table, String column, long id, ObjectType type, ObjectType otherType) {
    int row = nodes.rowOfId(id);
    if (row < 0) {
      throw new DatabaseLoadException(where(table, column, id) + " is not in nodes");
    }
    ObjectType actual = nodes.type(row);
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

  private void setDate(int row, long date) {
    MemoryUtil.putLong(anchorDatesAddress + (long) row * Long.BYTES, date);
  }

  public NodeIndex nodes() {
    return nodes;
  }

  public OriginIndex origins() {
    return origins;
  }

  /** The node row of the anchor of the node in {@code row} (itself for a revision or release), or -1. */
  public int anchorRow(int row) {
    return MemoryUtil.getInt(anchorRowsAddress + (long) row * Integer.BYTES);
  }

  /** The author date, in seconds since the epoch, of the anchor of {@code row}, or {@link #NO_DATE}. */
  public long anchorDate(int row) {
    return MemoryUtil.getLong(anchorDatesAddress + (long) row * Long.BYTES);
  }

  /** The origins-table row of the smallest origin of the revision or release in {@code row}, or -1. */
  public int originRow(int revrelRow) {
    return MemoryUtil.getInt(originRowsAddress + (long) revrelRow * Integer.BYTES);
  }

  /** Rows of {@code contents_in_revisions_without_frontiers}, by content id. */
  public KeyRangeIndex contentsInRevisions() {
    return contentsInRevisions;
  }

  /** Rows of {@code contents_in_frontier_directories}, by content id. */
  public KeyRangeIndex contentsInDirectories() {
    return contentsInDirectories;
  }

  /** Rows of {@code frontier_directories_in_revisions}, by directory id. */
  public KeyRangeIndex directoriesInRevisions() {
    return directoriesInRevisions;
  }

  /** Rows of {@code revisions_in_origins}, by revision/release id. */
  public KeyRangeIndex revisionsInOrigins() {
    return revisionsInOrigins;
  }

  /** Bytes of Arrow memory held by the indices (tables not included). */
  public long sizeInBytes() {
    return nodes.sizeInBytes() + anchorRows.capacity() + anchorDates.capacity() + originRows.capacity();
  }

  @Override
  public void close() {
    try {
      AutoCloseables.close(originRows, anchorDates, anchorRows, nodes);
    } catch (Exception e) {
      throw new IllegalStateException("closing provenance index", e);
    }
  }
}
