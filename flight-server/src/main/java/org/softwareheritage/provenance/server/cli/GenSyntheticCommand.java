package org.softwareheritage.provenance.server.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.softwareheritage.provenance.server.example.SyntheticDatabase;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gen-synthetic OUT_DIR --scale N [--seed S]}: writes a synthetic database for benchmarks.
 */
@Command(
    name = "gen-synthetic",
    mixinStandardHelpOptions = true,
    description =
        "Write a synthetic provenance database with the shape of the real one (skewed popularity,"
            + " date ties, several ZSTD Parquet files per table) into OUT_DIR. Scale 1 is about 10"
            + " million rows.")
final class GenSyntheticCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(
      paramLabel = "OUT_DIR",
      description = "Directory to write the tables into (created if needed).")
  private Path outDir;

  @Option(
      names = "--scale",
      required = true,
      paramLabel = "N",
      description = "Size: 1 is about 10 million rows in all; fractions are allowed (e.g. 0.01).")
  private double scale;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "1",
      description =
          "Seed of the pseudo-random generator; the same scale and seed give the same files"
              + " (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Override
  public Integer call() throws Exception {
    if (!(scale > 0) || scale > 100) {
      throw new ParameterException(spec.commandLine(), "--scale must be in (0, 100], got " + scale);
    }
    long start = System.nanoTime();
    Map<ProvenanceTable, Long> rows = SyntheticDatabase.write(outDir, scale, seed);
    long total = rows.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder line =
        new StringBuilder("wrote a synthetic database to " + outDir.toAbsolutePath() + ": ");
    rows.forEach(
        (table, count) -> line.append(table.directory()).append('=').append(count).append(' '));
    line.append("total=")
        .append(total)
        .append(" rows in ")
        .append((System.nanoTime() - start) / 1_000_000)
        .append(" ms");
    spec.commandLine().getOut().println(line);
    return 0;
  }
}
