package org.softwareheritage.provenance.server.testing;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;

/** Writes the golden example database into a directory. */
public final class ExampleDirectory {
  private ExampleDirectory() {}

  public static Path write(Path directory) throws IOException {
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      ExampleDatabase.write(directory, allocator);
    }
    return directory;
  }
}
