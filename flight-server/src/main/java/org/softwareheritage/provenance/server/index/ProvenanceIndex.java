package org.softwareheritage.provenance.server.index;

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
  private final OriginIndex origins;
  private final KeyRangeIndex contentsInRevisions;
  private final KeyRangeIndex contentsInDirectories;
  private final KeyRangeIndex directoriesInRevisions;
  private final KeyRangeIndex revisionsInOrigins;
  private final AnchorIndex anchors;

  private ProvenanceIndex(NodeIds ids, NodeIndex nodes, OriginIndex origins, KeyRangeIndex contentsInRevisions,
      KeyRangeIndex contentsInDirectories, KeyRangeIndex directoriesInRevisions, KeyRangeIndex revisionsInOrigins,
      AnchorIndex anchors) {
    this.ids = ids;
    this.nodes = nodes;
    this.origins = origins;
    this.contentsInRevisions = contentsInRevisions;
    this.contentsInDirectories = contentsInDirectories;
    this.directoriesInRevisions = directoriesInRevisions;
    this.revisionsInOrigins = revisionsInOrigins;
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
    OriginIndex origins = new OriginIndex(database.table(ProvenanceTable.ORIGINS));
    KeyRangeIndex contentsInRevisions = new KeyRangeIndex(database.table(ProvenanceTable.CONTENTS_IN_REVISIONS));
    KeyRangeIndex contentsInDirectories = new KeyRangeIndex(database.table(ProvenanceTable.CONTENTS_IN_DIRECTORIES));
    KeyRangeIndex directoriesInRevisions = new KeyRangeIndex(database.table(ProvenanceTable.DIRECTORIES_IN_REVISIONS));
    KeyRangeIndex revisionsInOrigins = new KeyRangeIndex(database.table(ProvenanceTable.REVISIONS_IN_ORIGINS));
    NodeIds ids = NodeIds.build(nodesTable, allocator);
    CompletableFuture<NodeIndex> swhids = CompletableFuture.supplyAsync(() -> {
      NodeIndex index = NodeIndex.build(nodesTable, ids, allocator);
      LOG.debug("indexed SWHIDs in {} ms", (System.nanoTime() - start) / 1_000_000);
      return index;
    });
    AnchorIndex anchors = null;
    try {
      anchors = AnchorIndex.build(ids, origins, contentsInRevisions, contentsInDirectories, directoriesInRevisions,
          revisionsInOrigins, allocator);
      LOG.debug("computed anchors in {} ms", (System.nanoTime() - start) / 1_000_000);
      return new ProvenanceIndex(ids, join(swhids), origins, contentsInRevisions, contentsInDirectories,
          directoriesInRevisions, revisionsInOrigins, anchors);
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

  /** The author date, in seconds since the epoch, of the anchor of {@code row}, or {@link #NO_DATE}. */
  public long anchorDate(int row) {
    int anchorRow = anchors.anchorRow(row);
    return anchorRow < 0 ? NO_DATE : anchors.revrelDate(anchorRow);
  }

  /** The origins-table row of the smallest origin of the revision or release in {@code row}, or -1. */
  public int originRow(int revrelRow) {
    return anchors.originRow(revrelRow);
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
