package org.softwareheritage.provenance.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.example.TableWriter;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.IndexDirectory;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

/**
 * {@code index} and {@code serve --index}: an index is built once and reused, and every index that
 * does not belong to the database as it is now is refused with exit code 1 and one line naming why;
 * {@code verify --index} finds a flipped byte.
 */
class IndexCommandTest {
  @TempDir Path root;

  private Path database;
  private Path index;

  @BeforeEach
  void writeExample() throws IOException {
    database = root.resolve("db");
    index = root.resolve("index");
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      ExampleDatabase.write(database, allocator);
    }
  }

  @Test
  void buildsOnceThenFindsItUpToDate() {
    assertEquals(0, run("verify", "--write-manifest", database.toString()).code());
    Run first = run("index", database.toString(), index.toString());
    assertEquals(0, first.code(), first.err());
    assertTrue(
        first.out().startsWith("indexed " + database + " into " + index + ": nodes=24 "),
        first.out());
    assertTrue(Files.exists(index.resolve(IndexDirectory.HEADER)));
    Run second = run("index", database.toString(), index.toString());
    assertEquals(0, second.code(), second.err());
    assertTrue(second.out().startsWith("up to date: "), second.out());
    Run forced = run("index", "--force", database.toString(), index.toString());
    assertTrue(forced.out().startsWith("indexed "), forced.out());
    Run verified = run("verify", "--index", index.toString(), database.toString());
    assertEquals(0, verified.code(), verified.err());
    assertEquals(
        "ok: " + index.toAbsolutePath() + " is a sound index of " + database,
        verified.out().strip());
  }

  @Test
  void serveRefusesAMissingIndex() {
    assertServeFails(
        index,
        "error: "
            + index
            + ": no index (not a directory); build it with "
            + "`provenance-server index DATABASE "
            + index
            + "`");
  }

  @Test
  void serveRefusesAnEmptyDirectory() throws IOException {
    Files.createDirectories(index);
    assertServeFails(
        index, "error: " + index + ": no index (no index.json; an interrupted build leaves none)");
  }

  @Test
  void serveNeedsTheDatabaseOfTheIndex() {
    Run run = run("serve", "--index", index.toString(), "--bind", "127.0.0.1:0");
    assertEquals(1, run.code());
    assertEquals(
        List.of("error: --index needs --database, the database the index was built from"),
        run.err().lines().toList());
  }

  @Test
  void serveRefusesAStaleIndex() throws IOException {
    build();
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      new TableWriter(allocator, database)
          .write(
              ProvenanceTable.ORIGINS,
              "more.parquet",
              List.<Object[]>of(new Object[] {99L, "https://example.org/new"}),
              false);
    }
    assertServeFails(
        index,
        "error: "
            + index
            + ": stale index: origins/more.parquet was added to the database; "
            + "rebuild it with `provenance-server index DATABASE "
            + index
            + "`");
  }

  @Test
  void serveRefusesAForeignIndex() throws IOException {
    build();
    rewriteHeader("{\"format\": \"something-else\"}");
    assertServeFails(index, "error: " + index + ": not a provenance index (foreign index.json)");
  }

  @Test
  void serveRefusesAnotherFormatVersion() throws IOException {
    build();
    String header = Files.readString(index.resolve(IndexDirectory.HEADER));
    rewriteHeader(header.replaceFirst("\"version\" : 1", "\"version\" : 99"));
    assertServeFails(
        index,
        "error: "
            + index
            + ": index format version 99, this server reads version 1; build it with");
  }

  @Test
  void serveRefusesATruncatedFile() throws IOException {
    build();
    try (RandomAccessFile file =
        new RandomAccessFile(index.resolve("nodes.sha1_git").toFile(), "rw")) {
      file.setLength(file.length() - 20);
    }
    assertServeFails(
        index,
        "error: "
            + index.resolve("nodes.sha1_git")
            + ": truncated or damaged index file (460 bytes,"
            + " the header says 480)");
  }

  @Test
  void serveRefusesADamagedHeader() throws IOException {
    build();
    byte[] header = Files.readAllBytes(index.resolve(IndexDirectory.HEADER));
    header[header.length / 2] ^= 1;
    Files.write(index.resolve(IndexDirectory.HEADER), header);
    assertServeFails(
        index,
        "error: "
            + index.resolve(IndexDirectory.HEADER)
            + ": damaged (its SHA-256 is not the one in "
            + "index.json.sha256)");
  }

  @Test
  void verifyFindsAFlippedByte() throws IOException {
    build();
    try (RandomAccessFile file =
        new RandomAccessFile(index.resolve("anchors.rows").toFile(), "rw")) {
      file.seek(7);
      int value = file.read();
      file.seek(7);
      file.write(value ^ 0x10);
    }
    Run run = run("verify", "--index", index.toString(), database.toString());
    assertEquals(1, run.code());
    assertTrue(
        run.err()
            .contains(
                "problem: "
                    + index.resolve("anchors.rows")
                    + ": damaged: bytes 0 to 123 differ from "
                    + "their checksum"),
        run.err());
  }

  @Test
  void aFailedBuildLeavesTheIndexItReplacesAndNoHalfIndex() throws IOException {
    build();
    byte[] header = Files.readAllBytes(index.resolve(IndexDirectory.HEADER));
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      new TableWriter(allocator, database)
          .write(
              ProvenanceTable.REVISIONS_IN_ORIGINS,
              "dangling.parquet",
              List.<Object[]>of(new Object[] {21L, 12345L}),
              false);
    }
    Run failed = run("index", database.toString(), index.toString());
    assertEquals(1, failed.code());
    assertEquals(
        List.of("error: table revisions_in_origins, column ori: origin id 12345 is not in origins"),
        failed.err().lines().toList());
    assertTrue(
        java.util.Arrays.equals(header, Files.readAllBytes(index.resolve(IndexDirectory.HEADER))));
    try (Stream<Path> entries = Files.list(index)) {
      assertFalse(
          entries.anyMatch(p -> p.getFileName().toString().startsWith(".build-")),
          "no build left behind");
    }
    Path fresh = root.resolve("fresh");
    assertEquals(1, run("index", database.toString(), fresh.toString()).code());
    assertServeFails(fresh, "error: " + fresh + ": no index (no index.json");
  }

  /**
   * Tables load concurrently in a build: a table that cannot be read fails it with its name, once
   * every load has ended.
   */
  @Test
  void anUnreadableTableFailsTheBuildWithItsName() throws IOException {
    Path garbage =
        database
            .resolve(ProvenanceTable.CONTENTS_IN_DIRECTORIES.directory())
            .resolve("garbage.parquet");
    Files.write(garbage, "not a Parquet file".getBytes(StandardCharsets.UTF_8));
    Run failed = run("index", database.toString(), index.toString());
    assertEquals(1, failed.code());
    List<String> lines = failed.err().lines().toList();
    assertEquals(1, lines.size(), failed.err());
    assertTrue(
        lines
            .get(0)
            .startsWith("error: table contents_in_frontier_directories, file " + garbage.toUri()),
        lines.get(0));
    try (Stream<Path> entries = Files.list(index)) {
      assertFalse(
          entries.anyMatch(p -> p.getFileName().toString().startsWith(".build-")),
          "no build left behind");
    }
  }

  @Test
  void oneBuildAtATimePerDirectory() throws IOException {
    try (IndexDirectory building = IndexDirectory.build(index)) {
      DatabaseLoadException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              DatabaseLoadException.class, () -> IndexDirectory.build(index));
      assertEquals(index + ": another index build is running there", e.getMessage());
      assertTrue(building.regions().isEmpty());
    }
  }

  private void build() {
    Run run = run("index", database.toString(), index.toString());
    assertEquals(0, run.code(), run.err());
  }

  private void rewriteHeader(String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Files.write(index.resolve(IndexDirectory.HEADER), bytes);
    try {
      Files.writeString(
          index.resolve(IndexDirectory.HEADER_CHECKSUM),
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
              + "  index.json\n");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void assertServeFails(Path indexDirectory, String expectedStart) {
    Run run =
        run(
            "serve",
            "--database",
            database.toString(),
            "--index",
            indexDirectory.toString(),
            "--bind",
            "127.0.0.1:0");
    assertEquals(1, run.code());
    List<String> lines = run.err().lines().toList();
    assertEquals(1, lines.size(), "one line: " + run.err());
    assertTrue(
        lines.get(0).startsWith(expectedStart),
        lines.get(0) + "\n  does not start with\n" + expectedStart);
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        ProvenanceServerCommand.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString());
  }
}
