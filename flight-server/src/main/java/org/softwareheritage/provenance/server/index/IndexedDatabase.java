package org.softwareheritage.provenance.server.index;

import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.storage.Database;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.storage.RegionStore;

/**
 * A database's stored tables together with their indices: what the servers answer from. Owns the
 * {@link RegionStore} holding both, in native memory or mapped from an index directory.
 */
public final class IndexedDatabase implements AutoCloseable {
  private final RegionStore store;
  private final Database database;
  private final ProvenanceIndex index;
  private final long loadMillis;
  private final long indexMillis;
  private final boolean built;

  private IndexedDatabase(
      RegionStore store,
      Database database,
      ProvenanceIndex index,
      long loadMillis,
      long indexMillis,
      boolean built) {
    this.store = store;
    this.database = database;
    this.index = index;
    this.loadMillis = loadMillis;
    this.indexMillis = indexMillis;
    this.built = built;
  }

  /**
   * {@link #build(DatabaseLocation, BufferAllocator, RegionStore, int)} loading one table at a
   * time, as a server does.
   */
  public static IndexedDatabase build(
      DatabaseLocation location, BufferAllocator allocator, RegionStore store) {
    return build(location, allocator, store, 1);
  }

  /**
   * Loads every table of the database at {@code location} into {@code store}, {@code loadThreads}
   * at a time (see {@link Database#load}), and builds the indices there; {@code allocator} is the
   * Arrow memory of the Parquet scans. Takes ownership of {@code store}, closed on failure.
   *
   * @throws org.softwareheritage.provenance.server.storage.DatabaseLoadException naming what is
   *     wrong
   */
  public static IndexedDatabase build(
      DatabaseLocation location, BufferAllocator allocator, RegionStore store, int loadThreads) {
    try {
      long start = System.nanoTime();
      Database database = Database.load(location, allocator, store, loadThreads);
      store.saveInBackground();
      long loaded = System.nanoTime();
      ProvenanceIndex index = ProvenanceIndex.build(database, store);
      long indexed = System.nanoTime();
      return new IndexedDatabase(
          store,
          database,
          index,
          (loaded - start) / 1_000_000,
          (indexed - loaded) / 1_000_000,
          true);
    } catch (RuntimeException | Error e) {
      store.close();
      throw e;
    }
  }

  /**
   * The database and indices {@code store} holds (an index directory). Takes ownership of {@code
   * store}.
   */
  public static IndexedDatabase open(RegionStore store) {
    try {
      long start = System.nanoTime();
      Database database = Database.open(store);
      ProvenanceIndex index = ProvenanceIndex.open(database, store);
      return new IndexedDatabase(
          store, database, index, (System.nanoTime() - start) / 1_000_000, 0, false);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  public Database database() {
    return database;
  }

  public ProvenanceIndex index() {
    return index;
  }

  /** Where the tables and indices are. */
  public RegionStore store() {
    return store;
  }

  /** Milliseconds spent reading (or mapping) the tables. */
  public long loadMillis() {
    return loadMillis;
  }

  /** Milliseconds spent building the indices (0 when mapped). */
  public long indexMillis() {
    return indexMillis;
  }

  /** Bytes of tables and indices. */
  public long sizeInBytes() {
    return store.sizeInBytes();
  }

  /** One line: rows per table, load and index time, bytes and where they live. */
  public String summary() {
    StringBuilder line = new StringBuilder();
    for (ProvenanceTable table : ProvenanceTable.values()) {
      line.append(table.directory())
          .append('=')
          .append(database.table(table).rowCount())
          .append(' ');
    }
    line.append("rows; ");
    if (built) {
      line.append("loaded in ")
          .append(loadMillis)
          .append(" ms, indexed in ")
          .append(indexMillis)
          .append(" ms; ")
          .append(bytes(sizeInBytes()))
          .append(store.isMapped() ? " in " + store : " of native memory");
    } else {
      line.append("mapped ")
          .append(bytes(sizeInBytes()))
          .append(" from ")
          .append(store)
          .append(" in ")
          .append(loadMillis)
          .append(" ms");
    }
    long tables = database.sizeInBytes();
    return line.append(" (tables ")
        .append(bytes(tables))
        .append(", indices ")
        .append(bytes(sizeInBytes() - tables))
        .append(')')
        .toString();
  }

  /** {@code bytes} in binary units, e.g. "1.5 GiB". */
  public static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    int unit = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    return String.format("%.1f %siB", bytes / (double) (1L << (10 * unit)), " KMGTPE".charAt(unit));
  }

  @Override
  public void close() {
    store.close();
  }
}
