package org.softwareheritage.provenance.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gen-example OUT_DIR}: writes the golden example database as Parquet. */
@Command(
    name = "gen-example",
    mixinStandardHelpOptions = true,
    description =
        "Write the golden example database of the specification as Parquet tables into OUT_DIR.")
final class GenExampleCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(
      paramLabel = "OUT_DIR",
      description = "Directory to write the tables into (created if needed).")
  private Path outDir;

  @Override
  public Integer call() throws Exception {
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      ExampleDatabase.write(outDir, allocator);
    }
    spec.commandLine().getOut().println("wrote the example database to " + outDir.toAbsolutePath());
    return 0;
  }
}
