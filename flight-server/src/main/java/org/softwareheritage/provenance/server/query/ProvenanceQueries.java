package org.softwareheritage.provenance.server.query;

import java.util.function.BooleanSupplier;
import org.softwareheritage.provenance.server.index.KeyRangeIndex;
import org.softwareheritage.provenance.server.index.NodeIds;
import org.softwareheritage.provenance.server.index.NodeIndex;
import org.softwareheritage.provenance.server.index.ProvenanceIndex;
import org.softwareheritage.provenance.server.index.RowRange;
import org.softwareheritage.provenance.server.storage.Columns;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.storage.StoredTable;

/**
 * The provenance lookups of the query semantics (docs/architecture.md) over the shared indices:
 * earliest anchor of a content or frontier directory, a revision or release as its own anchor, the
 * anchor's smallest origin; and every anchor of a node. Thread-safe: the indices are read-only.
 */
public final class ProvenanceQueries {
  /**
   * Batches of at most this many SWHIDs ask for their pages ahead (WhereIsOne, whose latency a cold
   * page multiplies); for the bulk calls, measured by throughput, a system call per page and step
   * would cost more than their warm lookups.
   */
  private static final int LOOKUPS_READ_AHEAD = 4;

  /**
   * A first step slower than this read its page from disk (4 KiB: 60 µs or more here, against well
   * under a microsecond from memory), so the following pages are likely on disk too: only then is
   * asking for them ahead worth its system calls (5-8 µs each on this VM, which would add 10 % to a
   * warm WhereIsOne).
   */
  private static final long COLD_STEP_NANOS = 20_000;

  private final ProvenanceIndex index;
  private final NodeIds ids;
  private final NodeIndex nodes;

  private final long coldStepNanos;

  public ProvenanceQueries(ProvenanceIndex index) {
    this(index, COLD_STEP_NANOS);
  }

  /**
   * Queries that read ahead when a first step takes over {@code coldStepNanos} (0: always, on a
   * mapped index).
   */
  ProvenanceQueries(ProvenanceIndex index, long coldStepNanos) {
    this.index = index;
    this.coldStepNanos = coldStepNanos;
    this.ids = index.ids();
    this.nodes = index.nodes();
  }

  /** The indices the queries read. */
  public ProvenanceIndex index() {
    return index;
  }

  /**
   * Looks up the earliest anchors of {@code count} SWHIDs (types and hashes from SWHID {@code from}
   * on, as {@link NodeIndex#candidates} takes them) into {@code batch}. Each step reads the memory
   * of every SWHID in one loop, so that their cache misses overlap. For a few SWHIDs on a mapped
   * index whose first step had to wait for the disk, each step also asks for the pages of the next
   * one ahead, so that the disk reads of a step overlap instead of waiting for each other. Lookups
   * {@code fields} does not need are skipped (their answers are -1 or {@link
   * ProvenanceIndex#NO_DATE}).
   */
  public void lookUp(
      byte[] types, byte[] hashes, int from, int count, ResultFields fields, LookupBatch batch) {
    boolean mayReadAhead = count <= LOOKUPS_READ_AHEAD && index.isMapped();
    long started = mayReadAhead ? System.nanoTime() : 0;
    nodes.candidates(hashes, from, count, batch.rows, batch.positions);
    boolean ahead = mayReadAhead && System.nanoTime() - started >= coldStepNanos;
    for (int i = 0; ahead && i < count; i++) {
      if (batch.rows[i] >= 0) {
        index.willNeedNode(batch.rows[i]);
      }
    }
    nodes.confirm(types, hashes, from, count, batch.rows, batch.positions);
    boolean anchors = fields.anchor() || fields.origin();
    for (int i = 0; i < count; i++) {
      batch.anchorRows[i] = batch.rows[i] < 0 || !anchors ? -1 : index.anchorRow(batch.rows[i]);
      if (ahead && batch.anchorRows[i] >= 0) {
        index.willNeedAnchor(batch.anchorRows[i]);
      }
    }
    for (int i = 0; ahead && i < count; i++) {
      if (batch.anchorRows[i] >= 0) {
        index.willNeedRevrel(batch.anchorRows[i]);
      }
    }
    for (int i = 0; i < count; i++) {
      long anchor = batch.anchorRows[i];
      batch.dates[i] =
          anchor < 0 || !fields.anchor() ? ProvenanceIndex.NO_DATE : index.revrelDate(anchor);
      batch.originRows[i] = anchor < 0 || !fields.origin() ? -1 : index.originRow(anchor);
    }
  }

  /**
   * Every revision or release containing the node of {@code row}, in table order, with bounded
   * state whatever their number: see {@link Anchors}.
   */
  public Anchors allAnchors(long row, BooleanSupplier cancelled) {
    return new Anchors(row, cancelled);
  }

  /**
   * A cursor over every anchor of one node, each with its author date and smallest origin. A
   * revision or release is its own anchor. A directory's anchors are its rows of {@code
   * frontier_directories_in_revisions}, earliest first. A content's anchors are its rows of {@code
   * contents_in_revisions_without_frontiers} (earliest first), then, for each frontier directory
   * containing it (by directory id, as {@code contents_in_frontier_directories} is sorted), that
   * directory's anchors: a revision reaching the content through several directories comes once per
   * directory (repeats within one list are dropped). The cursor holds a few positions whatever the
   * number of anchors, and asks {@code cancelled} before each directory, so that a content in a
   * million directories without anchors stops when its call does.
   */
  public final class Anchors {
    private final BooleanSupplier cancelled;
    private final KeyRangeIndex directoriesInRevisions =
        index.keys(ProvenanceTable.DIRECTORIES_IN_REVISIONS);

    /** The rows of contents_in_frontier_directories still to visit (contents only). */
    private long nextDirectory;

    private long directoriesEnd;
    private final long directoryIds;
    private long previousDirectory;
    private boolean hasDirectory;

    /** The rows of the table being read, and the addresses of its revrel and date columns. */
    private long next;

    private long end;
    private long revrelIds;
    private long revrelDates;
    private long previousRevrel;
    private boolean hasPrevious;

    /** The node's own row while it is still to be returned (a revision or release), else -1. */
    private long self = -1;

    private long anchorRow;
    private long date;
    private long originRow;

    Anchors(long row, BooleanSupplier cancelled) {
      this.cancelled = cancelled;
      StoredTable inDirectories = index.keys(ProvenanceTable.CONTENTS_IN_DIRECTORIES).table();
      this.directoryIds = inDirectories.u64Address(Columns.DIR);
      long id = ids.id(row);
      switch (ids.type(row)) {
        case REVISION, RELEASE -> self = row;
        case DIRECTORY -> read(directoriesInRevisions, id);
        case CONTENT -> {
          read(index.keys(ProvenanceTable.CONTENTS_IN_REVISIONS), id);
          RowRange directories = index.keys(ProvenanceTable.CONTENTS_IN_DIRECTORIES).rows(id);
          nextDirectory = directories.start();
          directoriesEnd = directories.end();
        }
        default -> {}
      }
    }

    private void read(KeyRangeIndex table, long key) {
      RowRange rows = table.rows(key);
      next = rows.start();
      end = rows.end();
      revrelIds = table.table().u64Address(Columns.REVREL);
      revrelDates = table.table().u64Address(Columns.REVREL_AUTHOR_DATE);
      hasPrevious = false;
    }

    /** Moves to the next anchor; false when there is none left (or the call was cancelled). */
    public boolean next() {
      if (self >= 0) {
        set(self, index.revrelDate(self));
        self = -1;
        return true;
      }
      while (true) {
        while (next < end) {
          long revrel = StoredTable.u64(revrelIds, next);
          long date = StoredTable.u64(revrelDates, next);
          next++;
          if (!hasPrevious || revrel != previousRevrel) {
            hasPrevious = true;
            previousRevrel = revrel;
            long revrelRow = ids.row(revrel);
            if (revrelRow < 0) {
              throw new IllegalStateException(
                  "revision or release " + Long.toUnsignedString(revrel) + " is not in nodes");
            }
            set(revrelRow, date);
            return true;
          }
        }
        if (nextDirectory >= directoriesEnd) {
          return false;
        }
        if (cancelled.getAsBoolean()) {
          return false;
        }
        long directory = StoredTable.u64(directoryIds, nextDirectory++);
        if (!hasDirectory || directory != previousDirectory) {
          hasDirectory = true;
          previousDirectory = directory;
          read(directoriesInRevisions, directory);
        }
      }
    }

    private void set(long revrelRow, long date) {
      this.anchorRow = revrelRow;
      this.date = date;
      this.originRow = index.originRow(revrelRow);
    }

    /** The node row of the current anchor. */
    public long anchorRow() {
      return anchorRow;
    }

    /** The author date of the current anchor, or {@link ProvenanceIndex#NO_DATE}. */
    public long date() {
      return date;
    }

    /** The origins-table row of the current anchor's smallest origin, or -1. */
    public long originRow() {
      return originRow;
    }
  }
}
