package org.softwareheritage.provenance.server.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.storage.DatabaseIdentity;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.IndexDirectory;
import org.softwareheritage.provenance.server.storage.MemoryStore;

/**
 * The two ways {@code serve} holds a database: built in native memory at start, or mapped from an
 * index directory.
 */
public enum StorageMode {
  /** {@code serve --database DB}: tables and indices built in native memory. */
  MEMORY,
  /**
   * {@code index DB DIR}, then {@code serve --database DB --index DIR}: the files of DIR
   * memory-mapped.
   */
  MAPPED;

  /**
   * The database in {@code database} held this way; a mapped one's index is built in {@code
   * indexDirectory} first.
   */
  public IndexedDatabase open(Path database, Path indexDirectory, BufferAllocator allocator)
      throws IOException {
    DatabaseLocation location = DatabaseLocation.of(database);
    if (this == MEMORY) {
      return IndexedDatabase.build(location, allocator, new MemoryStore());
    }
    DatabaseIdentity identity = DatabaseIdentity.of(location);
    IndexDirectory building = IndexDirectory.build(indexDirectory);
    try (IndexedDatabase built = IndexedDatabase.build(location, allocator, building, 2)) {
      building.commit(identity);
    }
    return IndexedDatabase.open(IndexDirectory.open(indexDirectory, identity));
  }

  /** Deletes a directory and everything in it. */
  public static void delete(Path directory) throws IOException {
    if (Files.exists(directory)) {
      try (Stream<Path> paths = Files.walk(directory)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
  }
}
