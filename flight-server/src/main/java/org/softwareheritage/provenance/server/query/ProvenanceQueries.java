package org.softwareheritage.provenance.server.query;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.softwareheritage.provenance.server.index.KeyRangeIndex;
import org.softwareheritage.provenance.server.index.NodeIds;
import org.softwareheritage.provenance.server.index.NodeIndex;
import org.softwareheritage.provenance.server.index.ProvenanceIndex;
import org.softwareheritage.provenance.server.index.RowRange;
import org.softwareheritage.provenance.server.storage.LoadedTable;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The provenance lookups of SPEC section 4 over the shared indices: earliest anchor of a content
 * or frontier directory, a revision or release as its own anchor, the anchor's smallest origin.
 * Thread-safe: the indices are read-only once built.
 */
public final class ProvenanceQueries {
  private final ProvenanceIndex index;
  private final NodeIds ids;
  private final NodeIndex nodes;

  public ProvenanceQueries(ProvenanceIndex index) {
    this.index = index;
    this.ids = index.ids();
    this.nodes = index.nodes();
  }

  /** The indices the queries read. */
  public ProvenanceIndex index() {
    return index;
  }

  /** The provenance of {@code swhid}, limited to {@code fields}, or {@code null} if it is not a known node. */
  public Provenance whereIs(Swhid swhid, ResultFields fields) {
    int row = nodes.row(swhid);
    if (row < 0) {
      return null;
    }
    if (!fields.anchor() && !fields.origin()) {
      return new Provenance(swhid, null, ProvenanceIndex.NO_DATE, null);
    }
    int anchorRow = index.anchorRow(row);
    if (anchorRow < 0) {
      return new Provenance(swhid, null, ProvenanceIndex.NO_DATE, null);
    }
    Swhid anchor = fields.anchor() ? nodes.swhid(anchorRow) : null;
    long date = fields.anchor() ? index.revrelDate(anchorRow) : ProvenanceIndex.NO_DATE;
    String origin = null;
    if (fields.origin()) {
      int originRow = index.originRow(anchorRow);
      origin = originRow < 0 ? null : index.origins().url(originRow);
    }
    return new Provenance(swhid, anchor, date, origin);
  }

  /**
   * The earliest anchors of {@code count} SWHIDs at once (types and hashes from SWHID
   * {@code from} on, as {@link NodeIndex#rows} takes them): for SWHID {@code from + i}, {@code rows[i]} is its node row (-1:
   * unknown), {@code anchorRows[i]} its anchor's row (-1: none), {@code anchorDates[i]} the
   * anchor's date and {@code originRows[i]} the row of its smallest origin in the origins table
   * (-1: none). Like {@link NodeIndex#rows}, each step reads the memory of every SWHID in one
   * loop, so that their cache misses overlap. Lookups {@code fields} does not need are skipped
   * (their answers are -1 or {@link ProvenanceIndex#NO_DATE}).
   */
  public void whereAre(byte[] types, byte[] hashes, int from, int count, ResultFields fields, int[] rows,
      int[] anchorRows, long[] anchorDates, int[] originRows) {
    nodes.rows(types, hashes, from, count, rows);
    boolean anchors = fields.anchor() || fields.origin();
    for (int i = 0; i < count; i++) {
      anchorRows[i] = rows[i] < 0 || !anchors ? -1 : index.anchorRow(rows[i]);
    }
    for (int i = 0; i < count; i++) {
      anchorDates[i] = anchorRows[i] < 0 || !fields.anchor() ? ProvenanceIndex.NO_DATE : index.revrelDate(anchorRows[i]);
      originRows[i] = anchorRows[i] < 0 || !fields.origin() ? -1 : index.originRow(anchorRows[i]);
    }
  }

  /**
   * Every revision or release containing the node of {@code row}, each with its author date and
   * smallest origin, earliest first (ties: smallest node id); empty if there is none.
   */
  public List<Anchor> allAnchors(int row) {
    Map<Long, Long> dates = new HashMap<>();
    long id = ids.id(row);
    switch (ids.type(row)) {
      case REVISION, RELEASE -> dates.put(id, index.revrelDate(row));
      case DIRECTORY -> addRevisions(index.keys(ProvenanceTable.DIRECTORIES_IN_REVISIONS), id, dates);
      case CONTENT -> {
        addRevisions(index.keys(ProvenanceTable.CONTENTS_IN_REVISIONS), id, dates);
        KeyRangeIndex inDirectories = index.keys(ProvenanceTable.CONTENTS_IN_DIRECTORIES);
        long directories = inDirectories.table().u64Address("dir");
        RowRange rows = inDirectories.rows(id);
        for (int i = rows.start(); i < rows.end(); i++) {
          addRevisions(index.keys(ProvenanceTable.DIRECTORIES_IN_REVISIONS), LoadedTable.u64(directories, i), dates);
        }
      }
      default -> {
      }
    }
    List<Map.Entry<Long, Long>> anchors = new ArrayList<>(dates.entrySet());
    anchors.sort((a, b) -> a.getValue().equals(b.getValue())
        ? Long.compareUnsigned(a.getKey(), b.getKey()) : Long.compare(a.getValue(), b.getValue()));
    List<Anchor> result = new ArrayList<>(anchors.size());
    for (Map.Entry<Long, Long> anchor : anchors) {
      int anchorRow = ids.row(anchor.getKey());
      result.add(new Anchor(anchorRow, anchor.getValue(), index.originRow(anchorRow)));
    }
    return result;
  }

  /** One anchor of a node: its row in nodes, its author date, and its smallest origin's row in origins (-1: none). */
  public record Anchor(int row, long date, int originRow) {}

  /** Adds the (revrel, date) of every row of {@code key} in a table of revisions by key. */
  private static void addRevisions(KeyRangeIndex table, long key, Map<Long, Long> dates) {
    long revrels = table.table().u64Address("revrel");
    long authorDates = table.table().u64Address("revrel_author_date");
    RowRange rows = table.rows(key);
    for (int i = rows.start(); i < rows.end(); i++) {
      dates.merge(LoadedTable.u64(revrels, i), LoadedTable.u64(authorDates, i), Math::min);
    }
  }
}
