package org.softwareheritage.provenance.server.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseLocationTest {
  @TempDir Path database;

  @Test
  void objectStoreUrlsGoToArrowUnchanged() {
    DatabaseLocation location = DatabaseLocation.of("s3://bucket/provenance");
    assertNull(location.localRoot());
    assertEquals(List.of("s3://bucket/provenance/nodes/"), location.sources(ProvenanceTable.NODES));
    assertEquals(
        List.of("gs://bucket/p/origins/"),
        DatabaseLocation.of("gs://bucket/p/").sources(ProvenanceTable.ORIGINS));
  }

  @Test
  void localTablesListEveryVisibleParquetFileRecursively() throws IOException {
    Path table = database.resolve("nodes");
    for (String file :
        List.of(
            "b.parquet",
            "partition=1/a.parquet",
            "partition=2/x/c.parquet",
            ".hidden.parquet",
            "_SUCCESS",
            "_tmp/d.parquet",
            ".staging/e.parquet",
            "notes.txt")) {
      Files.createDirectories(table.resolve(file).getParent());
      Files.createFile(table.resolve(file));
    }
    List<String> expected =
        List.of(
            table.resolve("b.parquet").toUri().toString(),
            table.resolve("partition=1/a.parquet").toUri().toString(),
            table.resolve("partition=2/x/c.parquet").toUri().toString());
    assertEquals(expected, DatabaseLocation.of(database.toString()).sources(ProvenanceTable.NODES));
    assertEquals(
        expected, DatabaseLocation.of(database.toUri().toString()).sources(ProvenanceTable.NODES));
  }
}
