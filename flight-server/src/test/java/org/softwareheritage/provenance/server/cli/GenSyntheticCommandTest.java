package org.softwareheritage.provenance.server.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.example.SyntheticDatabase;
import org.softwareheritage.provenance.server.index.KeyRangeIndex;
import org.softwareheritage.provenance.server.index.ProvenanceIndex;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.storage.StoredTable;
import org.softwareheritage.provenance.server.testing.RunningServer;

/**
 * {@code gen-synthetic} at a tiny scale: deterministic, in the database layout, loadable, with the
 * real shape.
 */
class GenSyntheticCommandTest {
  private static final String SCALE = "0.001";

  @TempDir static Path directory;

  private static Path database;

  @BeforeAll
  static void generate() {
    database = directory.resolve("synthetic");
    StringWriter stdout = new StringWriter();
    int code =
        ProvenanceServerCommand.commandLine()
            .setOut(new PrintWriter(stdout, true))
            .execute("gen-synthetic", database.toString(), "--scale", SCALE, "--seed", "7");
    assertEquals(0, code);
    assertTrue(stdout.toString().contains("total="), stdout.toString());
  }

  @Test
  void sameSeedGivesTheSameFilesAndAnotherSeedOtherFiles() throws IOException {
    Path again = directory.resolve("again");
    Path other = directory.resolve("other");
    assertEquals(
        0,
        ProvenanceServerCommand.commandLine()
            .execute("gen-synthetic", again.toString(), "--scale", SCALE, "--seed", "7"));
    assertEquals(
        0,
        ProvenanceServerCommand.commandLine()
            .execute("gen-synthetic", other.toString(), "--scale", SCALE, "--seed", "8"));
    List<Path> files = files(database);
    assertEquals(
        files.stream().map(database::relativize).toList(),
        files(again).stream().map(again::relativize).toList());
    for (Path file : files) {
      assertArrayEquals(
          Files.readAllBytes(file),
          Files.readAllBytes(again.resolve(database.relativize(file))),
          file.toString());
    }
    Path nodes = Path.of("nodes", "part-00000.parquet");
    assertFalse(
        Arrays.equals(
            Files.readAllBytes(database.resolve(nodes)), Files.readAllBytes(other.resolve(nodes))));
  }

  @Test
  void tablesAreSeveralZstdFilesWithRowGroupsAndStatistics() throws IOException {
    for (ProvenanceTable table :
        List.of(
            ProvenanceTable.NODES,
            ProvenanceTable.CONTENTS_IN_REVISIONS,
            ProvenanceTable.CONTENTS_IN_DIRECTORIES)) {
      List<Path> parts = files(database.resolve(table.directory()));
      assertTrue(parts.size() >= 2, table.directory() + " has " + parts.size() + " files");
      long previousLastKey = -1;
      for (Path part : parts) {
        List<RowGroup> groups = footer(part).getRow_groups();
        if (part.equals(parts.get(0))) {
          assertTrue(groups.size() >= 2, part + " has " + groups.size() + " row groups");
        }
        boolean firstGroupOfFile = true;
        for (RowGroup group : groups) {
          for (ColumnChunk column : group.getColumns()) {
            assertEquals(CompressionCodec.ZSTD, column.getMeta_data().getCodec(), part.toString());
            assertTrue(column.getMeta_data().getStatistics().isSetMin_value(), part.toString());
          }
          Statistics keys = group.getColumns().get(0).getMeta_data().getStatistics();
          long firstKey = littleEndianLong(keys.getMin_value());
          // a key may span two row groups of a file, never two files
          assertTrue(
              firstGroupOfFile ? firstKey > previousLastKey : firstKey >= previousLastKey,
              part + ": keys must be sorted across row groups and files");
          firstGroupOfFile = false;
          previousLastKey = littleEndianLong(keys.getMax_value());
        }
      }
    }
  }

  @Test
  void loadsAndHasTheRealShape() throws Exception {
    JsonNode sidecar =
        new ObjectMapper().readTree(database.resolve(SyntheticDatabase.SIDECAR).toFile());
    try (RunningServer server = RunningServer.start(database)) {
      ProvenanceIndex index = server.data().index();
      long total = 0;
      for (ProvenanceTable table : ProvenanceTable.values()) {
        long rows = server.data().database().table(table).rowCount();
        assertEquals(sidecar.get("rows").get(table.directory()).asLong(), rows, table.directory());
        total += rows;
      }
      // scale 1 is about 10 million rows
      assertTrue(total > 8_000 && total < 12_000, "total rows " + total);

      KeyRangeIndex contentsInDirectories = index.keys(ProvenanceTable.CONTENTS_IN_DIRECTORIES);
      Map<Integer, Integer> degrees = degrees(contentsInDirectories);
      int frontierDirectories = distinct(contentsInDirectories.table(), "dir");
      int[] sizes = degrees.values().stream().mapToInt(Integer::intValue).sorted().toArray();
      long small = degrees.values().stream().filter(d -> d <= 3).count();
      assertTrue(
          small >= 0.8 * sizes.length,
          "most contents are in 1-3 directories: " + small + "/" + sizes.length);
      assertTrue(
          sizes[sizes.length - 1] >= 0.4 * frontierDirectories,
          "the hottest content is in "
              + sizes[sizes.length - 1]
              + " of "
              + frontierDirectories
              + " directories");

      for (JsonNode hot : sidecar.get("hot_contents")) {
        WhereIsOneResult result =
            server
                .blockingStub()
                .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(hot.asText()).build());
        assertTrue(result.hasAnchor(), hot.asText());
        assertTrue(result.hasOrigin(), hot.asText());
      }

      StoredTable contentsInRevisions = index.keys(ProvenanceTable.CONTENTS_IN_REVISIONS).table();
      Map<Long, Long> revisionDates = new HashMap<>();
      long dates = contentsInRevisions.u64Address("revrel_author_date");
      long revrels = contentsInRevisions.u64Address("revrel");
      for (long row = 0; row < contentsInRevisions.rowCount(); row++) {
        long date = StoredTable.u64(dates, row);
        Long previous = revisionDates.put(StoredTable.u64(revrels, row), date);
        assertTrue(previous == null || previous == date, "one date per revision");
      }
      assertTrue(
          new HashSet<>(revisionDates.values()).size() < revisionDates.size(),
          "some revisions share a date");

      Map<Integer, Integer> origins = degrees(index.keys(ProvenanceTable.REVISIONS_IN_ORIGINS));
      int maxOrigins = origins.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
      assertTrue(
          maxOrigins > 5 && maxOrigins <= 50, "revisions are in up to 50 origins: " + maxOrigins);
    }
  }

  @Test
  void badScaleIsAUsageError() {
    StringWriter err = new StringWriter();
    int code =
        ProvenanceServerCommand.commandLine()
            .setErr(new PrintWriter(err, true))
            .execute("gen-synthetic", directory.resolve("bad").toString(), "--scale", "0");
    assertEquals(2, code);
    assertTrue(err.toString().contains("--scale must be in (0, 100], got 0.0"), err.toString());
  }

  /** Rows per key of a table (keys numbered in order). */
  private static Map<Integer, Integer> degrees(KeyRangeIndex index) {
    Map<Integer, Integer> degrees = new HashMap<>();
    long rows = index.table().rowCount();
    int key = -1;
    for (long row = 0; row < rows; row++) {
      if (row == 0 || index.key(row) != index.key(row - 1)) {
        key++;
      }
      degrees.merge(key, 1, Integer::sum);
    }
    return degrees;
  }

  private static int distinct(StoredTable table, String column) {
    Set<Long> values = new HashSet<>();
    long address = table.u64Address(column);
    for (long row = 0; row < table.rowCount(); row++) {
      values.add(StoredTable.u64(address, row));
    }
    return values.size();
  }

  /** The Thrift footer of a Parquet file: its last 8 bytes are the footer length and "PAR1". */
  private static FileMetaData footer(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int length =
        ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    return Util.readFileMetaData(
        new ByteArrayInputStream(bytes, bytes.length - 8 - length, length));
  }

  private static long littleEndianLong(byte[] value) {
    return ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static List<Path> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return new ArrayList<>(walk.filter(Files::isRegularFile).sorted().toList());
    }
  }
}
