package org.softwareheritage.provenance.server.index;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.softwareheritage.provenance.server.storage.Database;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

/**
 * A database loaded into memory together with its indices: what the servers answer from. Owns
 * both; the allocator stays the caller's.
 */
public final class IndexedDatabase implements AutoCloseable {
  private final Database database;
  private final ProvenanceIndex index;
  private final long loadMillis;
  private final long indexMillis;

  private IndexedDatabase(Database database, ProvenanceIndex index, long loadMillis, long indexMillis) {
    this.database = database;
    this.index = index;
    this.loadMillis = loadMillis;
    this.indexMillis = indexMillis;
  }

  /**
   * Loads every table of the database at {@code location} and builds the indices.
   *
   * @throws org.softwareheritage.provenance.server.storage.DatabaseLoadException naming what is wrong
   */
  public static IndexedDatabase open(DatabaseLocation location, BufferAllocator allocator) {
    long start = System.nanoTime();
    Database database = Database.load(location, allocator);
    long loaded = System.nanoTime();
    try {
      ProvenanceIndex index = ProvenanceIndex.build(database, allocator);
      long indexed = System.nanoTime();
      return new IndexedDatabase(database, index, (loaded - start) / 1_000_000, (indexed - loaded) / 1_000_000);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
  }

  public Database database() {
    return database;
  }

  public ProvenanceIndex index() {
    return index;
  }

  /** Milliseconds spent reading the tables. */
  public long loadMillis() {
    return loadMillis;
  }

  /** Milliseconds spent building the indices. */
  public long indexMillis() {
    return indexMillis;
  }

  /** Bytes of Arrow memory held by tables and indices. */
  public long sizeInBytes() {
    return database.sizeInBytes() + index.sizeInBytes();
  }

  /** One line: rows per table, load and index time, memory. */
  public String summary() {
    StringBuilder line = new StringBuilder();
    for (ProvenanceTable table : ProvenanceTable.values()) {
      line.append(table.directory()).append('=').append(database.table(table).rowCount()).append(' ');
    }
    return line.append("rows; loaded in ").append(loadMillis).append(" ms, indexed in ").append(indexMillis)
        .append(" ms; ").append(bytes(sizeInBytes())).append(" of Arrow memory (tables ")
        .append(bytes(database.sizeInBytes())).append(", indices ").append(bytes(index.sizeInBytes())).append(')')
        .toString();
  }

  private static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    int unit = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    return String.format("%.1f %siB", bytes / (double) (1L << (10 * unit)), " KMGTPE".charAt(unit));
  }

  @Override
  public void close() {
    try {
      AutoCloseables.close(index, database);
    } catch (Exception e) {
      throw new IllegalStateException("closing database " + database.location(), e);
    }
  }
}
