package org.softwareheritage.provenance.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseIdentity;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.IndexDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code index DATABASE INDEX_DIR}: builds the serving state of a database once, as files that
 * {@code serve --index} maps. Does nothing if the directory already holds an index of that
 * database, so that it can run before every start.
 */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    description =
        "Build the index of a database (sorted lookup columns and every index serve uses) in"
            + " INDEX_DIR, for `serve --database DATABASE --index INDEX_DIR`. Exits 0 at once if"
            + " INDEX_DIR already holds an index of DATABASE as it is now.")
final class IndexCommand implements Callable<Integer> {
  /**
   * Tables loaded at once, at most: each concurrent Parquet scan keeps a few hundred MB of native
   * buffers, which the pod's memory limit must hold beside the page cache of the build.
   */
  private static final int MAX_LOAD_THREADS = 4;

  @Spec private CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "DATABASE",
      description = "Database directory, file:// URL or object-store URL.")
  private String database;

  @Parameters(
      index = "1",
      paramLabel = "INDEX_DIR",
      description = "Directory of the index (created if missing).")
  private Path directory;

  @Option(names = "--force", description = "Rebuild even if INDEX_DIR holds an index of DATABASE.")
  private boolean force;

  @Override
  public Integer call() throws Exception {
    DatabaseLocation location = DatabaseLocation.of(database);
    DatabaseIdentity identity = DatabaseIdentity.of(location);
    if (!force && IndexDirectory.isCurrent(directory, identity)) {
      spec.commandLine()
          .getOut()
          .println("up to date: " + directory + " is the index of " + location);
      return 0;
    }
    IndexDirectory index = IndexDirectory.build(directory);
    String summary;
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator();
        IndexedDatabase built =
            IndexedDatabase.build(
                location,
                allocator,
                index,
                Math.min(MAX_LOAD_THREADS, Runtime.getRuntime().availableProcessors()))) {
      String changed = identity.differenceFrom(DatabaseIdentity.of(location));
      if (changed != null) {
        throw new DatabaseLoadException(location + " changed while it was indexed: " + changed);
      }
      long start = System.nanoTime();
      index.commit(identity);
      summary = built.summary() + "; saved in " + (System.nanoTime() - start) / 1_000_000 + " ms";
    }
    spec.commandLine()
        .getOut()
        .println("indexed " + location + " into " + directory + ": " + summary);
    return 0;
  }
}
