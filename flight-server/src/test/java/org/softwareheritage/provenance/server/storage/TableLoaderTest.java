package org.softwareheritage.provenance.server.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the loader accepts beyond the canonical layout, and what it keeps in memory. */
class TableLoaderTest {
  @TempDir
  Path database;

  private BufferAllocator allocator;

  @BeforeEach
  void open() {
    allocator = ArrowMemory.newRootAllocator();
  }

  @AfterEach
  void close() {
    allocator.close();
  }

  @Test
  void normalisesSignedIdsAndMillisecondDatesIgnoresExtraColumnsAndSortsRows() throws IOException {
    long[][] rows = {{5, 30, 2_000}, {3, 31, 1_000}, {5, 20, 1_000}, {3, 30, 1_000}, {4, 10, 1_500}};
    try (BigIntVector contents = new BigIntVector("cnt", allocator);
        BigIntVector revrels = new BigIntVector("revrel", allocator);
        TimeStampMilliTZVector dates = new TimeStampMilliTZVector("revrel_author_date", allocator, "UTC");
        VarBinaryVector paths = new VarBinaryVector("path", allocator);
        BigIntVector extra = new BigIntVector("extra", allocator)) {
      for (int i = 0; i < rows.length; i++) {
        contents.setSafe(i, rows[i][0]);
        revrels.setSafe(i, rows[i][1]);
        dates.setSafe(i, rows[i][2] * 1000 + 999);
        paths.setSafe(i, ("p" + i).getBytes(StandardCharsets.UTF_8));
        extra.setSafe(i, i);
      }
      VectorSchemaRoot root = new VectorSchemaRoot(List.of(extra, contents, revrels, dates, paths));
      root.setRowCount(rows.length);
      TableWriter.writeParquet(allocator, root, null,
          database.resolve("contents_in_revisions_without_frontiers").resolve("partition=0").resolve("a.parquet"));
    }
    DatabaseLocation location = DatabaseLocation.of(database.toUri().toString());
    try (LoadedTable table = new TableLoader(allocator, location).load(ProvenanceTable.CONTENTS_IN_REVISIONS)) {
      assertEquals(3, table.root().getFieldVectors().size());
      assertNull(table.root().getVector("path"));
      assertEquals(new ArrowType.Timestamp(TimeUnit.SECOND, "UTC"), table.vector("revrel_author_date").getField().getType());
      assertEquals(new ArrowType.Int(64, false), table.vector("cnt").getField().getType());
      UInt8Vector contents = (UInt8Vector) table.vector("cnt");
      UInt8Vector revrels = (UInt8Vector) table.vector("revrel");
      TimeStampVector dates = (TimeStampVector) table.vector("revrel_author_date");
      long[][] expected = {{3, 30, 1_000}, {3, 31, 1_000}, {4, 10, 1_500}, {5, 20, 1_000}, {5, 30, 2_000}};
      assertEquals(expected.length, table.rowCount());
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i][0], contents.get(i), "cnt of row " + i);
        assertEquals(expected[i][1], revrels.get(i), "revrel of row " + i);
        assertEquals(expected[i][2], dates.get(i), "date of row " + i);
      }
    }
  }

  @Test
  void loadsEveryColumnOnRequest() throws IOException {
    TableWriter writer = new TableWriter(allocator, database);
    writer.write(ProvenanceTable.CONTENTS_IN_DIRECTORIES, "b.parquet", List.<Object[]>of(
        new Object[] {2L, 9L, "b/x".getBytes(StandardCharsets.UTF_8)}), false);
    writer.write(ProvenanceTable.CONTENTS_IN_DIRECTORIES, "a.parquet", List.of(
        new Object[] {1L, 9L, "a/x".getBytes(StandardCharsets.UTF_8)},
        new Object[] {3L, 8L, "c".getBytes(StandardCharsets.UTF_8)}), false);
    ProvenanceTable table = ProvenanceTable.CONTENTS_IN_DIRECTORIES;
    try (LoadedTable loaded = new TableLoader(allocator, DatabaseLocation.of(database)).load(table, table.allColumns())) {
      assertEquals(2, loaded.fileCount());
      VarBinaryVector paths = (VarBinaryVector) loaded.vector("path");
      assertEquals("a/x", new String(paths.get(0), StandardCharsets.UTF_8));
      assertEquals("b/x", new String(paths.get(1), StandardCharsets.UTF_8));
      assertEquals("c", new String(paths.get(2), StandardCharsets.UTF_8));
    }
  }
}
