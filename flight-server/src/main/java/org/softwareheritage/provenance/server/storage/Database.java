package org.softwareheritage.provenance.server.storage;

import java.util.EnumMap;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every table of a provenance database, loaded into Arrow memory. Owns the tables. */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final DatabaseLocation location;
  private final Map<ProvenanceTable, LoadedTable> tables;

  private Database(DatabaseLocation location, Map<ProvenanceTable, LoadedTable> tables) {
    this.location = location;
    this.tables = tables;
  }

  /**
   * Loads the lookup columns of every table.
   *
   * @throws DatabaseLoadException naming the table, file and column at fault
   */
  public static Database load(DatabaseLocation location, BufferAllocator allocator) {
    TableLoader loader = new TableLoader(allocator, location);
    Map<ProvenanceTable, LoadedTable> tables = new EnumMap<>(ProvenanceTable.class);
    try {
      for (ProvenanceTable table : ProvenanceTable.values()) {
        long start = System.nanoTime();
        LoadedTable loaded = loader.load(table);
        tables.put(table, loaded);
        LOG.debug("loaded {}: {} rows from {} files in {} ms", table.directory(), loaded.rowCount(),
            loaded.fileCount(), (System.nanoTime() - start) / 1_000_000);
      }
      return new Database(location, tables);
    } catch (RuntimeException e) {
      try {
        AutoCloseables.close(tables.values());
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  public DatabaseLocation location() {
    return location;
  }

  public LoadedTable table(ProvenanceTable table) {
    return tables.get(table);
  }

  /** Bytes of Arrow memory held by all tables. */
  public long sizeInBytes() {
    return tables.values().stream().mapToLong(LoadedTable::sizeInBytes).sum();
  }

  @Override
  public void close() {
    try {
      AutoCloseables.close(tables.values());
    } catch (Exception e) {
      throw new IllegalStateException("closing database " + location, e);
    }
  }
}
