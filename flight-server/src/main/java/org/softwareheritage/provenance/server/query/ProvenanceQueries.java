package org.softwareheritage.provenance.server.query;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.softwareheritage.provenance.server.index.KeyRangeIndex;
import org.softwareheritage.provenance.server.index.NodeIndex;
import org.softwareheritage.provenance.server.index.ProvenanceIndex;
import org.softwareheritage.provenance.server.index.RowRange;
import org.softwareheritage.provenance.server.storage.LoadedTable;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The provenance lookups of SPEC section 4 over the shared indices: earliest anchor of a content
 * or frontier directory, a revision or release as its own anchor, the anchor's smallest origin.
 * Thread-safe: the indices are read-only once built.
 */
public final class ProvenanceQueries {
  private final ProvenanceIndex index;
  private final NodeIndex nodes;

  public ProvenanceQueries(ProvenanceIndex index) {
    this.index = index;
    this.nodes = index.nodes();
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
    long date = fields.anchor() ? index.anchorDate(row) : ProvenanceIndex.NO_DATE;
    String origin = null;
    if (fields.origin()) {
      int originRow = index.originRow(anchorRow);
      origin = originRow < 0 ? null : index.origins().url(originRow);
    }
    return new Provenance(swhid, anchor, date, origin);
  }

  /**
   * Every revision or release containing {@code swhid}, each with its author date and smallest
   * origin, earliest first (ties: smallest node id); empty if there is none, {@code null} if
   * {@code swhid} is not a known node.
   */
  public List<Provenance> allAnchors(Swhid swhid) {
    int row = nodes.row(swhid);
    if (row < 0) {
      return null;
    }
    Map<Long, Long> dates = new HashMap<>();
    long id = nodes.id(row);
    switch (swhid.type()) {
      case REVISION, RELEASE -> dates.put(id, index.anchorDate(row));
      case DIRECTORY -> addRevisions(index.directoriesInRevisions(), id, dates);
      case CONTENT -> {
        addRevisions(index.contentsInRevisions(), id, dates);
        KeyRangeIndex inDirectories = index.contentsInDirectories();
        long directories = inDirectories.table().u64Address("dir");
        RowRange rows = inDirectories.rows(id);
        for (int i = rows.start(); i < rows.end(); i++) {
          addRevisions(index.directoriesInRevisions(), LoadedTable.u64(directories, i), dates);
        }
      }
      default -> {
      }
    }
    List<Map.Entry<Long, Long>> anchors = new ArrayList<>(dates.entrySet());
    anchors.sort((a, b) -> a.getValue().equals(b.getValue())
        ? Long.compareUnsigned(a.getKey(), b.getKey()) : Long.compare(a.getValue(), b.getValue()));
    List<Provenance> result = new ArrayList<>(anchors.size());
    for (Map.Entry<Long, Long> anchor : anchors) {
      int anchorRow = nodes.rowOfId(anchor.getKey());
      int originRow = index.originRow(anchorRow);
      result.add(new Provenance(swhid, nodes.swhid(anchorRow), anchor.getValue(),
          originRow < 0 ? null : index.origins().url(originRow)));
    }
    return result;
  }

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
