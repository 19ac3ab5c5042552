package org.softwareheritage.provenance.server.index;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.softwareheritage.provenance.server.storage.Database;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.LoadedTable;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

/**
 * The in-memory indices every query path shares: node ids and SWHIDs, origins, key → row range
 * of each {@code *_in_*} table, and, precomputed at load time, the earliest anchor of every
 * content and directory, the author date of every anchor and the smallest origin of every
 * revision and release. With them, answering for a content found in a million directories costs
 * the same few memory reads as for a rare one.
 */
public final class ProvenanceIndex implements AutoCloseable {
  /** Date of a node that has none. */
  public static final long NO_DATE = Long.MIN_VALUE;

  private static final Logger LOG = LoggerFactory.getLogger(ProvenanceIndex.class);

  private final NodeIds ids;
  private final NodeIndex nodes;
  private final Map<ProvenanceTable, KeyRangeIndex> keys;
  private final OriginIndex origins;
  private final AnchorIndex anchors;

  private ProvenanceIndex(NodeIds ids, NodeIndex nodes, Map<ProvenanceTable, KeyRangeIndex> keys, OriginIndex origins,
      AnchorIndex anchors) {
    this.ids = ids;
    this.nodes = nodes;
    this.keys = keys;
    this.origins = origins;
    this.anchors = anchors;
  }

  /**
   * Builds every index over {@code database}, which must outlive the index. The SWHID table is
   * built on a second thread while the anchors are computed: the two are independent.
   *
   * @throws DatabaseLoadException if the tables are inconsistent (a row naming a node that is not
   *     in nodes or not of the expected type, an origin that is not in origins, duplicate ids)
   */
  public static ProvenanceIndex build(Database database, BufferAllocator allocator) {
    long start = System.nanoTime();
    LoadedTable nodesTable = database.table(ProvenanceTable.NODES);
    Map<ProvenanceTable, KeyRangeIndex> keys = new EnumMap<>(ProvenanceTable.class);
    for (ProvenanceTable table : ProvenanceTable.values()) {
      keys.put(table, new KeyRangeIndex(database.table(table)));
    }
    OriginIndex origins = new OriginIndex(keys.get(ProvenanceTable.ORIGINS));
    NodeIds ids = NodeIds.build(nodesTable, allocator);
    CompletableFuture<NodeIndex> swhids = CompletableFuture.supplyAsync(() -> {
      NodeIndex index = NodeIndex.build(nodesTable, ids, allocator);
      LOG.debug("indexed SWHIDs in {} ms", (System.nanoTime() - start) / 1_000_000);
      return index;
    });
    AnchorIndex anchors = null;
    try {
      anchors = AnchorIndex.build(ids, origins, keys.get(ProvenanceTable.CONTENTS_IN_REVISIONS),
          keys.get(ProvenanceTable.CONTENTS_IN_DIRECTORIES), keys.get(ProvenanceTable.DIRECTORIES_IN_REVISIONS),
          keys.get(ProvenanceTable.REVISIONS_IN_ORIGINS), allocator);
      LOG.debug("computed anchors in {} ms", (System.nanoTime() - start) / 1_000_000);
      return new ProvenanceIndex(ids, join(swhids), keys, origins, anchors);
    } catch (RuntimeException e) {
      try {
        AutoCloseables.close(anchors, swhids.handle((index, failure) -> index).join(), ids);
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static NodeIndex join(CompletableFuture<NodeIndex> index) {
    try {
      return index.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
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

  /** The node row of the anchor of the node in {@code row} (itself for a revision or release), or -1. */
  public int anchorRow(int row) {
    return anchors.anchorRow(row);
  }

  /**
   * The author date, in seconds since the epoch, of the revision or release in {@code revrelRow}
   * (an anchor), or {@link #NO_DATE}.
   */
  public long revrelDate(int revrelRow) {
    return anchors.revrelDate(revrelRow);
  }

  /** The origins-table row of the smallest origin of the revision or release in {@code row}, or -1. */
  public int originRow(int revrelRow) {
    return anchors.originRow(revrelRow);
  }

  /**
   * Key → row range of {@code table}: by content id for {@code contents_in_*}, by directory id
   * for {@code frontier_directories_in_revisions}, by revision/release id for
   * {@code revisions_in_origins}, by node or origin id for {@code nodes} and {@code origins}.
   */
  public KeyRangeIndex keys(ProvenanceTable table) {
    return keys.get(table);
  }

  /** Bytes of Arrow memory held by the indices (tables not included). */
  public long sizeInBytes() {
    return ids.sizeInBytes() + nodes.sizeInBytes() + anchors.sizeInBytes();
  }

  @Override
  public void close() {
    try {
      AutoCloseables.close(anchors, nodes, ids);
    } catch (Exception e) {
      throw new IllegalStateException("closing provenance index", e);
    }
  }
}
