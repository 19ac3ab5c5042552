package org.softwareheritage.provenance.server.index;

import org.apache.arrow.memory.util.MemoryUtil;
import org.softwareheritage.provenance.server.storage.Columns;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.Progress;
import org.softwareheritage.provenance.server.storage.Region;
import org.softwareheritage.provenance.server.storage.RegionStore;
import org.softwareheritage.provenance.server.storage.StoredTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * The answers precomputed when the index is built: the earliest anchor of every content and
 * directory (a revision or release is its own), by node row (5 bytes per node), and the author date
 * and smallest origin of every revision and release (13 bytes each). Building it checks that every
 * row of the provenance tables names known nodes of the right types, and that each revision or
 * release has one author date.
 */
final class AnchorIndex {
  /** Rows of a provenance table processed at a time by the staged loops. */
  private static final int BLOCK = 256;

  private static final String ANCHORS = "anchors.rows";
  private static final String DATES = "revrels.dates";
  private static final String ORIGINS = "revrels.origins";

  private final NodeIds ids;
  private final RevrelOrdinals revrels;
  private final long nodes;
  private final long anchorRows;
  private final long dates;
  private final long originRows;

  private AnchorIndex(
      NodeIds ids, RevrelOrdinals revrels, Region anchorRows, Region dates, Region originRows) {
    this.ids = ids;
    this.revrels = revrels;
    this.nodes = ids.size();
    this.anchorRows = anchorRows.address();
    this.dates = dates.address();
    this.originRows = originRows.address();
  }

  /**
   * Computes the anchors from the provenance tables into {@code store}.
   *
   * @throws DatabaseLoadException if a row names a node that is not in nodes or not of the expected
   *     type, or an origin that is not in origins, or if a revision or release has two author dates
   */
  static AnchorIndex build(
      NodeIds ids,
      OriginIndex origins,
      KeyRangeIndex contentsInRevisions,
      KeyRangeIndex contentsInDirectories,
      KeyRangeIndex directoriesInRevisions,
      KeyRangeIndex revisionsInOrigins,
      RegionStore store) {
    RevrelOrdinals revrels = RevrelOrdinals.build(ids, store);
    AnchorIndex index =
        new AnchorIndex(
            ids,
            revrels,
            store.create(ANCHORS, PackedRows.bytes(ids.size())),
            store.create(DATES, revrels.count() * Long.BYTES),
            store.create(ORIGINS, PackedRows.bytes(revrels.count())));
    for (long row = 0; row < ids.size(); row++) {
      PackedRows.put(index.anchorRows, row, ids.type(row).isRevisionOrRelease() ? row : -1);
    }
    for (long revrel = 0; revrel < revrels.count(); revrel++) {
      MemoryUtil.putLong(index.dates + revrel * Long.BYTES, ProvenanceIndex.NO_DATE);
    }
    PackedRows.fillNone(index.originRows, revrels.count());
    index.anchorFromRevisions(directoriesInRevisions, Columns.DIR, ObjectType.DIRECTORY);
    index.anchorFromRevisions(contentsInRevisions, Columns.CNT, ObjectType.CONTENT);
    index.anchorContentsFromDirectories(contentsInDirectories);
    index.smallestOrigins(revisionsInOrigins, origins);
    return index;
  }

  /** The anchors {@code store} holds, computed by {@link #build}. */
  static AnchorIndex open(NodeIds ids, RegionStore store) {
    RevrelOrdinals revrels = RevrelOrdinals.open(store);
    Region anchorRows = store.region(ANCHORS);
    Region dates = store.region(DATES);
    Region originRows = store.region(ORIGINS);
    if (anchorRows.length() != PackedRows.bytes(ids.size())
        || dates.length() != revrels.count() * Long.BYTES
        || originRows.length() != PackedRows.bytes(revrels.count())) {
      throw new DatabaseLoadException(store + ": the anchor index does not match the nodes table");
    }
    return new AnchorIndex(ids, revrels, anchorRows, dates, originRows);
  }

  /**
   * Each key's first row (earliest date, then smallest revrel) of a table sorted that way, and the
   * author date of every revision or release it names. A block of rows at a time: first the
   * revision rows, then their ordinals, in loops of independent reads whose cache misses overlap.
   */
  private void anchorFromRevisions(KeyRangeIndex index, String keyColumn, ObjectType keyType) {
    StoredTable table = index.table();
    long revrelIds = table.u64Address(Columns.REVREL);
    long revrelDates = table.u64Address(Columns.REVREL_AUTHOR_DATE);
    long[] revrelRows = new long[BLOCK];
    long[] ordinals = new long[BLOCK];
    Progress progress =
        new Progress("indexing table " + table.table().directory(), table.rowCount());
    for (long start = 0; start < table.rowCount(); start += BLOCK) {
      int count = (int) Math.min(BLOCK, table.rowCount() - start);
      for (int i = 0; i < count; i++) {
        revrelRows[i] =
            nodeRow(
                table,
                Columns.REVREL,
                StoredTable.u64(revrelIds, start + i),
                ObjectType.REVISION,
                ObjectType.RELEASE);
      }
      for (int i = 0; i < count; i++) {
        ordinals[i] = revrels.ordinal(revrelRows[i]);
      }
      for (int i = 0; i < count; i++) {
        long row = start + i;
        setDate(
            table, StoredTable.u64(revrelIds, row), ordinals[i], StoredTable.u64(revrelDates, row));
        if (row == 0 || index.key(row) != index.key(row - 1)) {
          PackedRows.put(
              anchorRows,
              nodeRow(table, keyColumn, index.key(row), keyType, keyType),
              revrelRows[i]);
        }
      }
      progress.advance(count);
    }
    progress.done();
  }

  private void setDate(StoredTable table, long revrelId, long ordinal, long date) {
    long address = dates + ordinal * Long.BYTES;
    long known = MemoryUtil.getLong(address);
    if (known != date) {
      if (known != ProvenanceIndex.NO_DATE) {
        throw new DatabaseLoadException(
            "table "
                + table.table().directory()
                + ", column revrel_author_date: node id "
                + Long.toUnsignedString(revrelId)
                + " has two author dates, "
                + known
                + " and "
                + date);
      }
      MemoryUtil.putLong(address, date);
    }
  }

  /**
   * Folds into each content's anchor the anchors of the frontier directories containing it, a block
   * of rows at a time: first the directories' anchors, then their dates, in loops of independent
   * reads whose cache misses overlap.
   */
  private void anchorContentsFromDirectories(KeyRangeIndex contentsInDirectories) {
    StoredTable table = contentsInDirectories.table();
    long dirs = table.u64Address(Columns.DIR);
    long[] candidates = new long[BLOCK];
    long[] candidateDates = new long[BLOCK];
    long contentRow = -1;
    Progress progress =
        new Progress("indexing table " + table.table().directory(), table.rowCount());
    for (long start = 0; start < table.rowCount(); start += BLOCK) {
      int count = (int) Math.min(BLOCK, table.rowCount() - start);
      for (int i = 0; i < count; i++) {
        candidates[i] =
            anchorRow(
                nodeRow(
                    table,
                    Columns.DIR,
                    StoredTable.u64(dirs, start + i),
                    ObjectType.DIRECTORY,
                    ObjectType.DIRECTORY));
      }
      for (int i = 0; i < count; i++) {
        candidateDates[i] = candidates[i] < 0 ? ProvenanceIndex.NO_DATE : revrelDate(candidates[i]);
      }
      for (int i = 0; i < count; i++) {
        long row = start + i;
        if (row == 0 || contentsInDirectories.key(row) != contentsInDirectories.key(row - 1)) {
          contentRow =
              nodeRow(
                  table,
                  Columns.CNT,
                  contentsInDirectories.key(row),
                  ObjectType.CONTENT,
                  ObjectType.CONTENT);
        }
        if (candidates[i] >= 0
            && isEarlier(candidates[i], candidateDates[i], anchorRow(contentRow))) {
          PackedRows.put(anchorRows, contentRow, candidates[i]);
        }
      }
      progress.advance(count);
    }
    progress.done();
  }

  /**
   * Whether the revision or release in row {@code candidate}, of author date {@code date}, is
   * earlier than the one in row {@code current} (-1: none).
   */
  private boolean isEarlier(long candidate, long date, long current) {
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
    StoredTable table = revisionsInOrigins.table();
    long oris = table.u64Address(Columns.ORI);
    for (long row = 0; row < table.rowCount(); row++) {
      if (row == 0 || revisionsInOrigins.key(row) != revisionsInOrigins.key(row - 1)) {
        long revrelRow =
            nodeRow(
                table,
                Columns.REVREL,
                revisionsInOrigins.key(row),
                ObjectType.REVISION,
                ObjectType.RELEASE);
        long ori = StoredTable.u64(oris, row);
        long originRow = origins.row(ori);
        if (originRow < 0) {
          throw new DatabaseLoadException(
              "table "
                  + table.table().directory()
                  + ", column ori: origin id "
                  + Long.toUnsignedString(ori)
                  + " is not in origins");
        }
        PackedRows.put(originRows, revrels.ordinal(revrelRow), originRow);
      }
    }
  }

  private long nodeRow(
      StoredTable table, String column, long id, ObjectType type, ObjectType otherType) {
    long row = ids.row(id);
    if (row < 0) {
      throw new DatabaseLoadException(where(table, column, id) + " is not in nodes");
    }
    ObjectType actual = ids.type(row);
    if (actual != type && actual != otherType) {
      throw new DatabaseLoadException(
          where(table, column, id)
              + " is a "
              + actual.tag()
              + ", expected "
              + type.tag()
              + (otherType != type ? " or " + otherType.tag() : ""));
    }
    return row;
  }

  /** Names a row for an error message; only built on error, as it costs more than the lookup. */
  private static String where(StoredTable table, String column, long id) {
    return "table "
        + table.table().directory()
        + ", column "
        + column
        + ": node id "
        + Long.toUnsignedString(id);
  }

  /** Where {@link #anchorRow} reads the anchor of {@code row} ({@value PackedRows#BYTES} bytes). */
  long anchorAddress(long row) {
    return anchorRows + row * PackedRows.BYTES;
  }

  /** Where the ordinal of the revision or release in {@code revrelRow} is found (16 bytes). */
  long ordinalAddress(long revrelRow) {
    return revrels.entryAddress(revrelRow);
  }

  /**
   * The ordinal of the revision or release in {@code revrelRow}, as the date and origin arrays are
   * indexed.
   */
  long ordinal(long revrelRow) {
    return revrels.ordinal(revrelRow);
  }

  /** Where the author date of the revision or release of ordinal {@code ordinal} is (8 bytes). */
  long dateAddress(long ordinal) {
    return dates + ordinal * Long.BYTES;
  }

  /**
   * Where the smallest origin of the revision or release of ordinal {@code ordinal} is ({@value
   * PackedRows#BYTES} bytes).
   */
  long originAddress(long ordinal) {
    return originRows + ordinal * PackedRows.BYTES;
  }

  /** See {@link ProvenanceIndex#anchorRow}. */
  long anchorRow(long row) {
    long anchor = PackedRows.get(anchorRows, row);
    return anchor < 0 ? -1 : DamagedIndexException.checkRow(anchor, nodes, "anchor");
  }

  /**
   * The author date of the revision or release in {@code revrelRow}, or {@link
   * ProvenanceIndex#NO_DATE}.
   */
  long revrelDate(long revrelRow) {
    return MemoryUtil.getLong(dateAddress(revrels.ordinal(revrelRow)));
  }

  /** See {@link ProvenanceIndex#originRow}. */
  long originRow(long revrelRow) {
    return PackedRows.get(originRows, revrels.ordinal(revrelRow));
  }
}
