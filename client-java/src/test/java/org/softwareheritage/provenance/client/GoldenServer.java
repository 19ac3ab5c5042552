package org.softwareheritage.provenance.client;

import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;

/** Writes the golden example database (SPEC section 7) for tests to serve. */
public final class GoldenServer {
  private GoldenServer() {}

  /** Writes the example database into {@code directory}. */
  public static Path writeDatabase(Path directory) throws Exception {
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      ExampleDatabase.write(directory, allocator);
    }
    return directory;
  }
}
