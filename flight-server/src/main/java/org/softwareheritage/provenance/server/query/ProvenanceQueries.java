package org.softwareheritage.provenance.server.query;

import org.softwareheritage.provenance.server.index.NodeIndex;
import org.softwareheritage.provenance.server.index.ProvenanceIndex;
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
}
