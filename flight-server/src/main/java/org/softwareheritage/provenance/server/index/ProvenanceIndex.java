package org.softwareheritage.provenance.server.index;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.softwareheritage.provenance.server.storage.Database;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.storage.RegionStore;
import org.softwareheritage.provenance.server.storage.StoredTable;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The indices every query path shares: node ids and SWHIDs, origins, key → row range of each table,
 * and, precomputed when the index is built, the earliest anchor of every content and directory, the
 * author date of every anchor and the smallest origin of every revision and release. With them,
 * answering for a content found in a million directories costs the same few memory reads as for a
 * rare one.
 */
public final class ProvenanceIndex {
  /** Date of a node that has none. */
  public static final long NO_DATE = Long.MIN_VALUE;

  private final NodeIds ids;
  private final NodeIndex nodes;
  private final Map<ProvenanceTable, KeyRangeIndex> keys;
  private final OriginIndex origins;
  private final AnchorIndex anchors;
  private final RegionStore store;

  private ProvenanceIndex(
      NodeIds ids,
      NodeIndex nodes,
      Map<ProvenanceTable, KeyRangeIndex> keys,
      OriginIndex origins,
      AnchorIndex anchors,
      RegionStore store) {
    this.store = store;
    this.ids = ids;
    this.nodes = nodes;
    this.keys = keys;
    this.origins = origins;
    this.anchors = anchors;
  }

  /**
   * Builds every index over {@code database} into {@code store}. The SWHID index is built on a
   * second thread while the anchors are computed: the two are independent.
   *
   * @throws DatabaseLoadException if the tables are inconsistent (a row naming a node that is not
   *     in nodes or not of the expected type, an origin that is not in origins, duplicate ids)
   */
  public static ProvenanceIndex build(Database database, RegionStore store) {
    StoredTable nodesTable = database.table(ProvenanceTable.NODES);
    NodeIds ids = NodeIds.build(nodesTable, store);
    Map<ProvenanceTable, KeyRangeIndex> keys = keys(database);
    OriginIndex origins = OriginIndex.build(keys.get(ProvenanceTable.ORIGINS));
    CompletableFuture<NodeIndex> swhids =
        CompletableFuture.supplyAsync(() -> NodeIndex.build(nodesTable, ids, store));
    AnchorIndex anchors;
    try {
      anchors =
          AnchorIndex.build(
              ids,
              origins,
              keys.get(ProvenanceTable.CONTENTS_IN_REVISIONS),
              keys.get(ProvenanceTable.CONTENTS_IN_DIRECTORIES),
              keys.get(ProvenanceTable.DIRECTORIES_IN_REVISIONS),
              keys.get(ProvenanceTable.REVISIONS_IN_ORIGINS),
              store);
    } catch (RuntimeException e) {
      swhids.handle((index, failure) -> index).join();
      throw e;
    }
    try {
      return new ProvenanceIndex(ids, swhids.join(), keys, origins, anchors, store);
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
  }

  /** The indices {@code store} holds, built by {@link #build} over {@code database}. */
  public static ProvenanceIndex open(Database database, RegionStore store) {
    StoredTable nodesTable = database.table(ProvenanceTable.NODES);
    Map<ProvenanceTable, KeyRangeIndex> keys = keys(database);
    NodeIds ids = NodeIds.open(nodesTable, store);
    return new ProvenanceIndex(
        ids,
        NodeIndex.open(nodesTable, ids, store),
        keys,
        OriginIndex.open(keys.get(ProvenanceTable.ORIGINS)),
        AnchorIndex.open(ids, store),
        store);
  }

  private static Map<ProvenanceTable, KeyRangeIndex> keys(Database database) {
    Map<ProvenanceTable, KeyRangeIndex> keys = new EnumMap<>(ProvenanceTable.class);
    for (ProvenanceTable table : ProvenanceTable.values()) {
      keys.put(table, new KeyRangeIndex(database.table(table)));
    }
    return keys;
  }

  /** Node id → row, and the id and type of each row. */
  public NodeIds ids() {
    return ids;
  }

  /** SWHID → row, and the SWHID of each row. */
  public NodeIndex nodes() {
    return nodes;
  }

  public OriginIndex origins() {
    return origins;
  }

  /**
   * The node row of the anchor of the node in {@code row} (itself for a revision or release), or
   * -1.
   */
  public long anchorRow(long row) {
    return anchors.anchorRow(row);
  }

  /**
   * The author date, in seconds since the epoch, of the revision or release in {@code revrelRow}
   * (an anchor), or {@link #NO_DATE}.
   */
  public long revrelDate(long revrelRow) {
    return anchors.revrelDate(revrelRow);
  }

  /**
   * The origins-table row of the smallest origin of the revision or release in {@code row}, or -1.
   */
  public long originRow(long revrelRow) {
    return anchors.originRow(revrelRow);
  }

  /**
   * Whether the indices are memory-mapped: a page a lookup reads may then be on disk, and asking
   * for the next pages of a lookup ahead ({@link #willNeedNode}, {@link #willNeedAnchor}, {@link
   * #willNeedRevrel}) turns disk reads that would wait for each other into one wait.
   */
  public boolean isMapped() {
    return store.isMapped();
  }

  /**
   * Starts reading the pages that a lookup of the node in {@code row} reads next, all at once: its
   * hash and type (which confirm a SWHID) and its anchor.
   */
  public void willNeedNode(long row) {
    store.willNeed(nodes.hashAddress(row), Swhid.HASH_LENGTH);
    store.willNeed(ids.typeAddress(row), 1);
    store.willNeed(anchors.anchorAddress(row), PackedRows.BYTES);
  }

  /**
   * Starts reading the pages that answering with the anchor in {@code revrelRow} reads next: its
   * hash and type (its SWHID) and where its ordinal is.
   */
  public void willNeedAnchor(long revrelRow) {
    store.willNeed(nodes.hashAddress(revrelRow), Swhid.HASH_LENGTH);
    store.willNeed(ids.typeAddress(revrelRow), 1);
    store.willNeed(anchors.ordinalAddress(revrelRow), 16);
  }

  /**
   * Starts reading the author date and smallest origin of the anchor in {@code revrelRow}, both at
   * once (this reads its ordinal).
   */
  public void willNeedRevrel(long revrelRow) {
    long ordinal = anchors.ordinal(revrelRow);
    store.willNeed(anchors.dateAddress(ordinal), Long.BYTES);
    store.willNeed(anchors.originAddress(ordinal), PackedRows.BYTES);
  }

  /**
   * Key → row range of {@code table}: by content id for {@code contents_in_*}, by directory id for
   * {@code frontier_directories_in_revisions}, by revision/release id for {@code
   * revisions_in_origins}, by node or origin id for {@code nodes} and {@code origins}.
   */
  public KeyRangeIndex keys(ProvenanceTable table) {
    return keys.get(table);
  }
}
