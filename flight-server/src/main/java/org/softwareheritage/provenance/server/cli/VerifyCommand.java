package org.softwareheritage.provenance.server.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseIdentity;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.IndexDirectory;
import org.softwareheritage.provenance.server.storage.Manifest;
import org.softwareheritage.provenance.server.verify.DatabaseVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verify DATABASE}: the restore check of a database; {@code verify --index INDEX_DIR
 * DATABASE}: the check of its index. Prints one line per problem and exits 1, or one summary line
 * and exits 0.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description =
        "Check a local database: schemas, row counts, key ranges, references between tables, and"
            + " the SHA-256 of every Parquet file against MANIFEST.sha256. With --index, check its"
            + " index instead: built from DATABASE as it is now, complete, and every block of every"
            + " file matching its checksum.")
final class VerifyCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(
      paramLabel = "DATABASE",
      description = "Database directory (with --index, or its URL).")
  private String database;

  @Option(
      names = "--index",
      paramLabel = "INDEX_DIR",
      description = "Check the index in INDEX_DIR.")
  private Path index;

  @Option(
      names = "--write-manifest",
      description =
          "Write MANIFEST.sha256 of the Parquet files (after the other checks pass) instead of"
              + " checking it.")
  private boolean writeManifest;

  @Override
  public Integer call() throws Exception {
    if (index != null) {
      return report(
          checkIndex(), "ok: " + index.toAbsolutePath() + " is a sound index of " + database);
    }
    Path root = Path.of(database);
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException(database + ": not a directory");
    }
    DatabaseVerifier.Report report;
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      report = DatabaseVerifier.verify(root, allocator);
    }
    List<String> problems = new ArrayList<>(report.problems());
    if (!writeManifest) {
      problems.addAll(Manifest.check(root));
    }
    String summary =
        "ok: "
            + root.toAbsolutePath()
            + " "
            + report.rows().entrySet().stream()
                .map(entry -> entry.getKey().directory() + "=" + entry.getValue())
                .toList()
            + " rows";
    if (problems.isEmpty() && writeManifest) {
      summary = "wrote " + Manifest.write(root) + "\n" + summary;
    }
    return report(problems, summary);
  }

  /**
   * The problems of the index: identity, files and checksums, then its structure as serve opens it.
   */
  private List<String> checkIndex() {
    DatabaseIdentity identity = DatabaseIdentity.of(DatabaseLocation.of(database));
    List<String> problems = IndexDirectory.verify(index, identity);
    if (problems.isEmpty()) {
      try (IndexedDatabase opened = IndexedDatabase.open(IndexDirectory.open(index, identity))) {
        return problems;
      } catch (DatabaseLoadException e) {
        return List.of(e.getMessage());
      }
    }
    return problems;
  }

  /** Prints the problems (exit 1) or the summary (exit 0). */
  private int report(List<String> problems, String summary) {
    if (!problems.isEmpty()) {
      PrintWriter err = spec.commandLine().getErr();
      problems.forEach(problem -> err.println("problem: " + problem));
      err.flush();
      return 1;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(summary);
    out.flush();
    return 0;
  }
}
