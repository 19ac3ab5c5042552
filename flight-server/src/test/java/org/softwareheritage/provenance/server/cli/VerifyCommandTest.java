package org.softwareheritage.provenance.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.example.TableWriter;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.Manifest;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;

/**
 * {@code verify}, the restore check: a good database passes, each kind of damage is one line and
 * exit 1.
 */
class VerifyCommandTest {
  @TempDir Path directory;

  private Path database;

  private record Run(int code, String out, List<String> errors) {}

  @BeforeEach
  void writeExample() throws IOException {
    database = ExampleDirectory.write(directory.resolve("db"));
  }

  private Run verify(String... options) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args =
        Stream.concat(Stream.of("verify", database.toString()), Arrays.stream(options))
            .toArray(String[]::new);
    int code =
        ProvenanceServerCommand.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString().lines().toList());
  }

  private Path firstFile(String table) throws IOException {
    try (Stream<Path> files = Files.list(database.resolve(table))) {
      return files
          .filter(file -> file.toString().endsWith(".parquet"))
          .sorted()
          .findFirst()
          .orElseThrow();
    }
  }

  @Test
  void aGoodDatabaseWithItsManifestPasses() throws IOException {
    Run written = verify("--write-manifest");
    assertEquals(0, written.code(), written.errors().toString());
    assertTrue(Files.readString(database.resolve(Manifest.FILE_NAME)).contains("nodes/"));
    Run checked = verify();
    assertEquals(0, checked.code(), checked.errors().toString());
    assertTrue(checked.out().startsWith("ok: "), checked.out());
    assertTrue(checked.out().contains("nodes=24"), checked.out());
  }

  @Test
  void aMissingManifestIsAProblem() {
    Run run = verify();
    assertEquals(1, run.code());
    assertEquals(
        List.of(
            "problem: "
                + database.resolve(Manifest.FILE_NAME)
                + ": missing (write it with verify --write-manifest)"),
        run.errors());
  }

  @Test
  void aTruncatedFile() throws IOException {
    verify("--write-manifest");
    Path file = firstFile("nodes");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    Run run = verify();
    assertEquals(1, run.code());
    assertTrue(
        run.errors()
            .get(0)
            .startsWith("problem: table nodes, file " + file + ": not a readable Parquet file"),
        run.errors().toString());
    assertTrue(
        run.errors().stream()
            .anyMatch(line -> line.contains("nodes/") && line.contains("SHA-256 differs")),
        run.errors().toString());
  }

  @Test
  void aMissingColumn() throws IOException {
    Path file = firstFile("nodes");
    try (Stream<Path> files = Files.list(database.resolve("nodes"))) {
      for (Path old : files.toList()) {
        Files.delete(old);
      }
    }
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator();
        UInt8Vector ids = new UInt8Vector("id", allocator);
        VarCharVector types = new VarCharVector("type", allocator)) {
      ids.setSafe(0, 1);
      ids.setValueCount(1);
      types.setSafe(0, "cnt".getBytes(StandardCharsets.UTF_8));
      types.setValueCount(1);
      VectorSchemaRoot root = new VectorSchemaRoot(List.of(ids, types));
      root.setRowCount(1);
      TableWriter.writeParquet(allocator, root, null, file);
    }
    Run run = verify("--write-manifest");
    assertEquals(1, run.code());
    assertEquals(
        "problem: table nodes, file " + file + ", column sha1_git: missing column",
        run.errors().get(0));
    assertTrue(
        run.errors()
            .contains(
                "problem: column contents_in_frontier_directories.cnt: ids 8..13 exceed the ids"
                    + " 1..1 of nodes"),
        "references to nodes that are not there: " + run.errors());
    assertTrue(
        run.errors().stream().noneMatch(line -> line.contains("origins.id")),
        run.errors().toString());
    assertTrue(
        Files.notExists(database.resolve(Manifest.FILE_NAME)),
        "no manifest is written for a bad database");
  }

  @Test
  void aTamperedManifest() throws IOException {
    verify("--write-manifest");
    Path manifest = database.resolve(Manifest.FILE_NAME);
    List<String> lines = Files.readAllLines(manifest);
    String first = lines.get(0);
    String tampered = (first.charAt(0) == '0' ? '1' : '0') + first.substring(1);
    Files.write(manifest, Stream.concat(Stream.of(tampered), lines.stream().skip(1)).toList());
    Run run = verify();
    assertEquals(1, run.code());
    String path = first.substring(first.indexOf("  ") + 2);
    assertEquals(
        List.of("problem: " + path + ": SHA-256 differs from " + Manifest.FILE_NAME), run.errors());
  }

  @Test
  void notADirectory() {
    database = directory.resolve("nowhere");
    Run run = verify();
    assertEquals(1, run.code());
    assertEquals(1, run.errors().size(), run.errors().toString());
    assertTrue(run.errors().get(0).contains("nowhere: not a directory"), run.errors().toString());
  }
}
