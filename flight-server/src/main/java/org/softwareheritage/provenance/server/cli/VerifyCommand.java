package org.softwareheritage.provenance.server.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.ops.DatabaseVerifier;
import org.softwareheritage.provenance.server.storage.Manifest;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verify DATABASE}: the restore check. Prints one line per problem and exits 1, or one
 * summary line and exits 0.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Check a local database: schemas, row counts, key ranges, references between tables, "
        + "and the SHA-256 of every Parquet file against MANIFEST.sha256.")
final class VerifyCommand implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  @Parameters(paramLabel = "DATABASE", description = "Database directory.")
  private Path database;

  @Option(names = "--write-manifest",
      description = "Write MANIFEST.sha256 of the Parquet files (after the other checks pass) instead of checking it.")
  private boolean writeManifest;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(database)) {
      throw new IllegalArgumentException(database + ": not a directory");
    }
    DatabaseVerifier.Report report;
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      report = DatabaseVerifier.verify(database, allocator);
    }
    List<String> problems = new ArrayList<>(report.problems());
    if (!writeManifest) {
      problems.addAll(Manifest.check(database));
    }
    if (!problems.isEmpty()) {
      PrintWriter err = spec.commandLine().getErr();
      problems.forEach(problem -> err.println("problem: " + problem));
      err.flush();
      return 1;
    }
    PrintWriter out = spec.commandLine().getOut();
    if (writeManifest) {
      out.println("wrote " + Manifest.write(database));
    }
    out.println("ok: " + database.toAbsolutePath() + " " + report.rows().entrySet().stream()
        .map(entry -> entry.getKey().directory() + "=" + entry.getValue()).toList() + " rows");
    out.flush();
    return 0;
  }
}
