package org.softwareheritage.provenance.server.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.example.TableWriter;

/** What the loader accepts beyond the canonical layout, and what it keeps in memory. */
class TableLoaderTest {
  @TempDir Path database;

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
    long[][] rows = {
      {5, 30, 2_000}, {3, 31, 1_000}, {5, 20, 1_000}, {3, 30, 1_000}, {4, 10, 1_500}
    };
    try (BigIntVector contents = new BigIntVector("cnt", allocator);
        BigIntVector revrels = new BigIntVector("revrel", allocator);
        TimeStampMilliTZVector dates =
            new TimeStampMilliTZVector("revrel_author_date", allocator, "UTC");
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
      TableWriter.writeParquet(
          allocator,
          root,
          null,
          database
              .resolve("contents_in_revisions_without_frontiers")
              .resolve("partition=0")
              .resolve("a.parquet"));
    }
    DatabaseLocation location = DatabaseLocation.of(database.toUri().toString());
    try (MemoryStore store = new MemoryStore()) {
      StoredTable table =
          new TableLoader(allocator, location, store).load(ProvenanceTable.CONTENTS_IN_REVISIONS);
      assertEquals(List.of("cnt", "revrel", "revrel_author_date"), table.columnNames());
      assertFalse(store.has("contents_in_revisions_without_frontiers.path"));
      assertEquals(
          new ArrowType.Timestamp(TimeUnit.SECOND, "UTC"),
          table.field("revrel_author_date").getType());
      assertEquals(new ArrowType.Int(64, false), table.field("cnt").getType());
      long[][] expected = {
        {3, 30, 1_000}, {3, 31, 1_000}, {4, 10, 1_500}, {5, 20, 1_000}, {5, 30, 2_000}
      };
      assertEquals(expected.length, table.rowCount());
      for (int i = 0; i < expected.length; i++) {
        assertEquals(
            expected[i][0], StoredTable.u64(table.u64Address("cnt"), i), "cnt of row " + i);
        assertEquals(
            expected[i][1], StoredTable.u64(table.u64Address("revrel"), i), "revrel of row " + i);
        assertEquals(
            expected[i][2],
            StoredTable.u64(table.u64Address("revrel_author_date"), i),
            "date of row " + i);
      }
    }
  }

  @Test
  void sortsVariableWidthValuesWithTheirRowsAcrossFiles() throws IOException {
    TableWriter writer = new TableWriter(allocator, database);
    writer.write(
        ProvenanceTable.ORIGINS,
        "b.parquet",
        List.<Object[]>of(new Object[] {20L, "https://example.org/twenty"}),
        false);
    writer.write(
        ProvenanceTable.ORIGINS,
        "a.parquet",
        List.of(
            new Object[] {30L, "https://example.org/a-rather-longer-url-for-thirty"},
            new Object[] {10L, ""}),
        false);
    try (MemoryStore store = new MemoryStore()) {
      StoredTable origins =
          new TableLoader(allocator, DatabaseLocation.of(database), store)
              .load(ProvenanceTable.ORIGINS);
      assertEquals(2, store.number("tables.origins.files"));
      String[] urls = {
        "", "https://example.org/twenty", "https://example.org/a-rather-longer-url-for-thirty"
      };
      long offsets = origins.offsets("url").address();
      for (int row = 0; row < urls.length; row++) {
        assertEquals(10L * (row + 1), StoredTable.u64(origins.u64Address("id"), row));
        long start = StoredTable.u64(offsets, row);
        byte[] url = new byte[(int) (StoredTable.u64(offsets, row + 1) - start)];
        MemoryUtil.copyFromMemory(origins.column("url").address() + start, url, 0, url.length);
        assertEquals(urls[row], new String(url, StandardCharsets.UTF_8));
      }
      assertEquals(urls[1].length() + urls[2].length(), origins.column("url").length());
    }
  }

  @Test
  void aTableLargerThanTheMemoryLimitIsRefusedWithAMessage() throws IOException {
    TableWriter writer = new TableWriter(allocator, database);
    List<Object[]> rows = new java.util.ArrayList<>();
    for (long id = 0; id < 1000; id++) {
      rows.add(new Object[] {id, "https://example.org/" + id});
    }
    writer.write(ProvenanceTable.ORIGINS, "a.parquet", rows, false);
    try (MemoryStore store = new MemoryStore(10_000)) {
      DatabaseLoadException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              DatabaseLoadException.class,
              () ->
                  new TableLoader(allocator, DatabaseLocation.of(database), store)
                      .load(ProvenanceTable.ORIGINS));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "out of memory for the database: origins.url needs 32000 more bytes"
                      + " beyond the 8000 held, over the 10000 allowed (-XX:MaxDirectMemorySize)"),
          e.getMessage());
    }
  }
}
