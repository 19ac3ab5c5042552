package org.softwareheritage.provenance.server.storage;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;

/** Every table of a provenance database as stored for serving, in one {@link RegionStore}. */
public final class Database {
  private final Map<ProvenanceTable, StoredTable> tables;

  private Database(Map<ProvenanceTable, StoredTable> tables) {
    this.tables = tables;
  }

  /**
   * Loads the lookup columns of every table of the database at {@code location} into {@code store},
   * scanning with {@code allocator}, {@code threads} tables at a time. Each concurrent scan holds
   * its own native buffers, which Arrow's allocator keeps after the scan (about 200 MB at scale
   * 10), so a server loads one table at a time and an index build as many as it has cores. Every
   * load has ended when this returns or throws.
   *
   * @throws DatabaseLoadException naming the table, file and column at fault
   */
  public static Database load(
      DatabaseLocation location, BufferAllocator allocator, RegionStore store, int threads) {
    TableLoader loader = new TableLoader(allocator, location, store);
    Map<ProvenanceTable, Future<StoredTable>> loads = new EnumMap<>(ProvenanceTable.class);
    // closing the pool waits for every load, even if this thread is interrupted meanwhile
    try (ExecutorService pool =
        Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("load-", 0).factory())) {
      for (ProvenanceTable table : ProvenanceTable.values()) {
        loads.put(table, pool.submit(() -> loader.load(table)));
      }
    }
    Map<ProvenanceTable, StoredTable> tables = new EnumMap<>(ProvenanceTable.class);
    for (Map.Entry<ProvenanceTable, Future<StoredTable>> load : loads.entrySet()) {
      Future<StoredTable> done = load.getValue();
      switch (done.state()) {
        case SUCCESS -> tables.put(load.getKey(), done.resultNow());
        case FAILED -> {
          switch (done.exceptionNow()) {
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            case Throwable e -> throw new IllegalStateException(e);
          }
        }
        default ->
            throw new DatabaseLoadException(
                "table " + load.getKey().directory() + ": loading was cancelled");
      }
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
