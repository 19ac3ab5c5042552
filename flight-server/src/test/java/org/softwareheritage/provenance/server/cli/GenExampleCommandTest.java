package org.softwareheritage.provenance.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.MemoryStore;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;

class GenExampleCommandTest {
  @TempDir Path directory;

  @Test
  void writesTheGoldenDatabaseInTheSpecLayout() {
    Path out = directory.resolve("example");
    StringWriter stdout = new StringWriter();
    int code =
        ProvenanceServerCommand.commandLine()
            .setOut(new PrintWriter(stdout, true))
            .execute("gen-example", out.toString());
    assertEquals(0, code);
    assertTrue(stdout.toString().contains(out.toAbsolutePath().toString()));
    for (ProvenanceTable table : ProvenanceTable.values()) {
      assertTrue(Files.isDirectory(out.resolve(table.directory())), table.directory());
    }
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator();
        IndexedDatabase data =
            IndexedDatabase.build(DatabaseLocation.of(out), allocator, new MemoryStore())) {
      int[] expectedRows = {24, 2, 4, 6, 2, 9};
      for (ProvenanceTable table : ProvenanceTable.values()) {
        assertEquals(
            expectedRows[table.ordinal()],
            data.database().table(table).rowCount(),
            table.directory());
      }
    }
  }

  @Test
  void badArgumentsGiveUsageAndNonZeroExit() {
    StringWriter err = new StringWriter();
    int code =
        ProvenanceServerCommand.commandLine()
            .setErr(new PrintWriter(err, true))
            .execute("serve", "--bind", "nohost");
    assertEquals(2, code);
    assertTrue(err.toString().contains("'nohost' is not HOST:PORT"), err.toString());
  }
}
