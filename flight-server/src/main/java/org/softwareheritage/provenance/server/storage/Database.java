package org.softwareheritage.provenance.server.storage;

import java.util.EnumMap;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;

/** Every table of a provenance database as stored for serving, in one {@link RegionStore}. */
public final class Database {
  private final Map<ProvenanceTable, StoredTable> tables;

  private Database(Map<ProvenanceTable, StoredTable> tables) {
    this.tables = tables;
  }

  /**
   * Loads the lookup columns of every table of the database at {@code location} into
   * {@code store}, scanning with {@code allocator}.
   *
   * @throws DatabaseLoadException naming the table, file and column at fault
   */
  public static Database load(DatabaseLocation location, BufferAllocator allocator, RegionStore store) {
    TableLoader loader = new TableLoader(allocator, location, store);
    Map<ProvenanceTable, StoredTable> tables = new EnumMap<>(ProvenanceTable.class);
    for (ProvenanceTable table : ProvenanceTable.values()) {
      tables.put(table, loader.load(table));
    }
    return new Database(tables);
  }

  /** The tables {@code store} holds (loaded before). */
  public static Database open(RegionStore store) {
    Map<ProvenanceTable, StoredTable> tables = new EnumMap<>(ProvenanceTable.class);
    for (ProvenanceTable table : ProvenanceTable.values()) {
      tables.put(table, StoredTable.open(table, store));
    }
    return new Database(tables);
  }

  public StoredTable table(ProvenanceTable table) {
    return tables.get(table);
  }

  /** Bytes of the stored columns of every table. */
  public long sizeInBytes() {
    return tables.values().stream().mapToLong(StoredTable::sizeInBytes).sum();
  }
}
