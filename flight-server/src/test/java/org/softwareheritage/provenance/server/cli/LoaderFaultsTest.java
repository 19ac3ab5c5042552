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
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.example.TableWriter;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

/**
 * Every bad database stops {@code serve} with exit code 1 and one line naming table, file and
 * column.
 */
class LoaderFaultsTest {
  @TempDir Path database;

  private BufferAllocator allocator;

  @BeforeEach
  void writeExample() throws IOException {
    allocator = ArrowMemory.newRootAllocator();
    ExampleDatabase.write(database, allocator);
  }

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  @Test
  void missingTable() throws IOException {
    deleteTree(database.resolve("origins"));
    assertFailsWith("error: table origins: missing directory " + database.resolve("origins"));
  }

  @Test
  void tableWithoutParquetFiles() throws IOException {
    deleteTree(database.resolve("revisions_in_origins"));
    Files.createDirectories(database.resolve("revisions_in_origins"));
    assertFailsWith("error: table revisions_in_origins: no .parquet file in");
  }

  @Test
  void missingColumn() throws IOException {
    Path file = replaceTable("nodes");
    try (UInt8Vector ids = new UInt8Vector("id", allocator);
        VarCharVector types = new VarCharVector("type", allocator)) {
      ids.setSafe(0, 1);
      ids.setValueCount(1);
      types.setSafe(0, "cnt".getBytes(StandardCharsets.UTF_8));
      types.setValueCount(1);
      writeFile(file, new VectorSchemaRoot(List.of(ids, types)));
    }
    assertFailsWith(
        "error: table nodes, file " + file.toUri() + ", column sha1_git: missing column");
  }

  @Test
  void wrongType() throws IOException {
    Path file = replaceTable("origins");
    try (UInt8Vector ids = new UInt8Vector("id", allocator);
        BigIntVector urls = new BigIntVector("url", allocator)) {
      ids.setSafe(0, 0);
      ids.setValueCount(1);
      urls.setSafe(0, 42);
      urls.setValueCount(1);
      writeFile(file, new VectorSchemaRoot(List.of(ids, urls)));
    }
    assertFailsWith(
        "error: table origins, file "
            + file.toUri()
            + ", column url: type Int(64, true), expected string");
  }

  @Test
  void wrongHashWidth() throws IOException {
    Path file = replaceTable("nodes");
    Field hashes = Field.notNullable("sha1_git", new ArrowType.FixedSizeBinary(16));
    try (UInt8Vector ids = new UInt8Vector("id", allocator);
        VarCharVector types = new VarCharVector("type", allocator);
        FixedSizeBinaryVector sha1 = (FixedSizeBinaryVector) hashes.createVector(allocator)) {
      ids.setSafe(0, 1);
      types.setSafe(0, "cnt".getBytes(StandardCharsets.UTF_8));
      sha1.setSafe(0, new byte[16]);
      for (var vector : List.of(ids, types, sha1)) {
        vector.setValueCount(1);
      }
      writeFile(file, new VectorSchemaRoot(List.of(ids, types, sha1)));
    }
    assertFailsWith(
        "error: table nodes, file "
            + file.toUri()
            + ", column sha1_git: type FixedSizeBinary(16), expected fixed_size_binary(20)");
  }

  @Test
  void unreadableFile() throws IOException {
    Path file = database.resolve("contents_in_frontier_directories").resolve("c_in_d.parquet");
    Files.write(file, "this is not parquet".getBytes(StandardCharsets.UTF_8));
    assertFailsWith(
        "error: table contents_in_frontier_directories, file " + file.toUri() + ": cannot read");
  }

  @Test
  void truncatedFile() throws IOException {
    Path file = database.resolve("frontier_directories_in_revisions").resolve("d_in_r.parquet");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    assertFailsWith(
        "error: table frontier_directories_in_revisions, file " + file.toUri() + ": cannot read");
  }

  @Test
  void unknownObjectType() throws IOException {
    Path file = replaceTable("nodes");
    try (UInt8Vector ids = new UInt8Vector("id", allocator);
        VarCharVector types = new VarCharVector("type", allocator);
        FixedSizeBinaryVector sha1 = new FixedSizeBinaryVector("sha1_git", allocator, 20)) {
      ids.setSafe(0, 1);
      types.setSafe(0, "blob".getBytes(StandardCharsets.UTF_8));
      sha1.setSafe(0, new byte[20]);
      for (var vector : List.of(ids, types, sha1)) {
        vector.setValueCount(1);
      }
      writeFile(file, new VectorSchemaRoot(List.of(ids, types, sha1)));
    }
    assertFailsWith(
        "error: table nodes, file " + file.toUri() + ", column type: unknown object type 'blob'");
  }

  @Test
  void rowNamingAnUnknownNode() throws IOException {
    Path file = replaceTable("revisions_in_origins");
    try (UInt8Vector revrels = new UInt8Vector("revrel", allocator);
        UInt8Vector origins = new UInt8Vector("ori", allocator)) {
      revrels.setSafe(0, 999);
      revrels.setValueCount(1);
      origins.setSafe(0, 0);
      origins.setValueCount(1);
      writeFile(file, new VectorSchemaRoot(List.of(revrels, origins)));
    }
    assertFailsWith(
        "error: table revisions_in_origins, column revrel: node id 999 is not in nodes");
  }

  @Test
  void rowNamingANodeOfTheWrongType() throws IOException {
    Path file = replaceTable("revisions_in_origins");
    try (UInt8Vector revrels = new UInt8Vector("revrel", allocator);
        UInt8Vector origins = new UInt8Vector("ori", allocator)) {
      revrels.setSafe(0, 11);
      revrels.setValueCount(1);
      origins.setSafe(0, 0);
      origins.setValueCount(1);
      writeFile(file, new VectorSchemaRoot(List.of(revrels, origins)));
    }
    assertFailsWith(
        "error: table revisions_in_origins, column revrel: node id 11 is a cnt, expected rev or"
            + " rel");
  }

  @Test
  void revisionWithTwoAuthorDates() throws IOException {
    deleteTree(database.resolve("contents_in_revisions_without_frontiers"));
    new TableWriter(allocator, database)
        .write(
            ProvenanceTable.CONTENTS_IN_REVISIONS,
            "bad.parquet",
            List.<Object[]>of(new Object[] {11L, 3L, 1111144441L, new byte[0]}),
            false);
    assertFailsWith(
        "error: table contents_in_revisions_without_frontiers, column revrel_author_date: node id 3"
            + " has two author dates, 1111144440 and 1111144441");
  }

  private Path replaceTable(String table) throws IOException {
    deleteTree(database.resolve(table));
    return database.resolve(table).resolve("bad.parquet");
  }

  private void writeFile(Path file, VectorSchemaRoot root) throws IOException {
    root.setRowCount(root.getFieldVectors().get(0).getValueCount());
    TableWriter.writeParquet(allocator, root, null, file);
  }

  private void assertFailsWith(String expectedStart) {
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    int code =
        ProvenanceServerCommand.commandLine()
            .setErr(new PrintWriter(err, true))
            .setOut(new PrintWriter(out, true))
            .execute("serve", "--database", database.toString(), "--bind", "127.0.0.1:0");
    assertEquals(1, code);
    List<String> lines = err.toString().lines().toList();
    assertEquals(1, lines.size(), "one line: " + err);
    assertTrue(
        lines.get(0).startsWith(expectedStart),
        lines.get(0) + "\n  does not start with\n" + expectedStart);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
