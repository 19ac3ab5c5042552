package org.softwareheritage.provenance.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.example.SyntheticDatabase;
import org.softwareheritage.provenance.server.storage.Manifest;
import org.softwareheritage.provenance.server.testing.CommandProcess;
import org.softwareheritage.provenance.server.testing.SelfSignedCertificate;
import org.softwareheritage.provenance.server.verify.DatabaseVerifier;

/**
 * {@code serve} refuses to start, as a process: exit code 1, one line saying why, no stack trace,
 * no "Memory was leaked" error; the damaged databases of the hardening probes are refused by their
 * MANIFEST.sha256 before anything is loaded.
 */
class ServeFailuresTest {
  @TempDir Path directory;

  @Test
  void missingDirectory() throws Exception {
    assertRefused(
        serve(List.of(), directory.resolve("nowhere")),
        "error: table nodes: missing directory " + directory.resolve("nowhere").resolve("nodes"));
  }

  @Test
  void oneByteFlippedInNodesSha1Git() throws Exception {
    Path database = synthetic();
    Path file = firstFile(database, "nodes");
    ColumnChunkMetaData chunk = chunk(file, "sha1_git");
    flipByte(file, chunk.getFirstDataPageOffset() + chunk.getTotalSize() / 2);
    assertRefused(
        serve(List.of(), database),
        "error: "
            + database
            + " does not match MANIFEST.sha256: "
            + relative(database, file)
            + ": SHA-256 differs from MANIFEST.sha256");
  }

  @Test
  void oneByteFlippedInTheDictionaryOfContentsInFrontierDirectoriesCnt() throws Exception {
    Path database = synthetic();
    Path file = firstFile(database, "contents_in_frontier_directories");
    ColumnChunkMetaData chunk = chunk(file, "cnt");
    assertTrue(chunk.hasDictionaryPage(), "the cnt column is dictionary-encoded");
    flipByte(
        file,
        chunk.getDictionaryPageOffset()
            + (chunk.getFirstDataPageOffset() - chunk.getDictionaryPageOffset()) / 2);
    assertRefused(
        serve(List.of(), database),
        "error: "
            + database
            + " does not match MANIFEST.sha256: "
            + relative(database, file)
            + ": SHA-256 differs from MANIFEST.sha256");
  }

  @Test
  void oneFileOfAMultiFileTableDeleted() throws Exception {
    Path database = synthetic();
    Path file = firstFile(database, "contents_in_revisions_without_frontiers");
    Files.delete(file);
    assertRefused(
        serve(List.of(), database),
        "error: "
            + database
            + " does not match MANIFEST.sha256: "
            + relative(database, file)
            + ": listed in MANIFEST.sha256 but missing");
  }

  @Test
  void aStrayDuplicateFile() throws Exception {
    Path database = synthetic();
    Path file = firstFile(database, "revisions_in_origins");
    Path copy = file.resolveSibling("part-00000 (copy).parquet");
    Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
    assertRefused(
        serve(List.of(), database),
        "error: "
            + database
            + " does not match MANIFEST.sha256: "
            + relative(database, copy)
            + ": not listed in MANIFEST.sha256 (a stray or duplicate file?)");
  }

  @Test
  void requireRefusesADatabaseWithoutManifest() throws Exception {
    Path database = synthetic();
    Files.delete(database.resolve(Manifest.FILE_NAME));
    assertRefused(
        serve(List.of("--verify-manifest=require"), database),
        "error: "
            + database.resolve(Manifest.FILE_NAME)
            + ": missing, and --verify-manifest=require");
  }

  /**
   * Arrow's allocator reports a direct-memory shortfall in its own words (an allocation that is not
   * pooled); an OutOfMemoryError thrown while loading is reworded by serve. Either way: exit 1.
   */
  @Test
  void tooLittleDirectMemoryWithExitOnOutOfMemoryError() throws Exception {
    Path database = synthetic();
    CommandProcess run =
        CommandProcess.run(
            List.of("-XX:MaxDirectMemorySize=16m", "-XX:+ExitOnOutOfMemoryError"),
            List.of("serve", "--bind", "127.0.0.1:0", "--database", database.toString()),
            120);
    assertRefused(run, "error: ");
  }

  @Test
  void aTlsKeyOfAnotherCertificate() throws Exception {
    SelfSignedCertificate served =
        SelfSignedCertificate.write(Files.createDirectory(directory.resolve("a")));
    SelfSignedCertificate other =
        SelfSignedCertificate.write(Files.createDirectory(directory.resolve("b")));
    CommandProcess run =
        CommandProcess.run(
            List.of(),
            List.of(
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--tls-cert",
                served.certificate().toString(),
                "--tls-key",
                other.privateKey().toString()),
            120);
    assertRefused(
        run,
        "error: --tls-key "
            + other.privateKey()
            + " does not belong to the certificate CN=localhost"
            + " of --tls-cert "
            + served.certificate());
  }

  /** A small synthetic database (several files per table) with its manifest. */
  private Path synthetic() throws IOException {
    Path database = directory.resolve("db");
    SyntheticDatabase.write(database, 0.01, 1);
    Manifest.write(database);
    return database;
  }

  private static CommandProcess serve(List<String> options, Path database) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of("serve", "--bind", "127.0.0.1:0", "--database", database.toString()));
    args.addAll(options);
    return CommandProcess.run(List.of(), args, 120);
  }

  private static void assertRefused(CommandProcess run, String expectedStart) {
    String output = String.join("\n", run.lines());
    assertEquals(1, run.exitCode(), output);
    assertEquals(1, run.nonLogLines().size(), "one line besides INFO/WARN log lines:\n" + output);
    assertTrue(
        run.nonLogLines().get(0).startsWith(expectedStart),
        run.nonLogLines().get(0) + "\n  does not start with\n" + expectedStart);
    assertTrue(
        run.lines().stream()
            .noneMatch(
                line ->
                    line.contains("Memory was leaked")
                        || line.contains("Exception")
                        || line.startsWith("\tat ")),
        output);
  }

  private static Path firstFile(Path database, String table) throws IOException {
    try (var files = Files.list(database.resolve(table))) {
      List<Path> parquet =
          files.filter(file -> file.toString().endsWith(".parquet")).sorted().toList();
      assertTrue(parquet.size() > 1, table + " has several files");
      return parquet.get(0);
    }
  }

  private static ColumnChunkMetaData chunk(Path file, String column) throws IOException {
    return DatabaseVerifier.readFooter(file).getBlocks().get(0).getColumns().stream()
        .filter(chunk -> chunk.getPath().toDotString().equals(column))
        .findFirst()
        .orElseThrow();
  }

  private static void flipByte(Path file, long position) throws IOException {
    try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
      bytes.seek(position);
      int value = bytes.read();
      bytes.seek(position);
      bytes.write(value ^ 0x01);
    }
  }

  private static String relative(Path database, Path file) {
    return database.relativize(file).toString();
  }
}
