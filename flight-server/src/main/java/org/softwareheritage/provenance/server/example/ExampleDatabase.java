package org.softwareheritage.provenance.server.example;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * The golden example database (docs/architecture.md, "Golden example database"): the 24-node test
 * graph of the upstream test suites, with its provenance tables. Served by default so a newcomer
 * sees the service answer.
 */
public final class ExampleDatabase {
  private static final ObjectType CNT = ObjectType.CONTENT;
  private static final ObjectType DIR = ObjectType.DIRECTORY;
  private static final ObjectType REV = ObjectType.REVISION;
  private static final ObjectType REL = ObjectType.RELEASE;
  private static final ObjectType SNP = ObjectType.SNAPSHOT;
  private static final ObjectType ORI = ObjectType.ORIGIN;

  /** Node id → (type, sha1_git hex); origins' hashes are the sha1 of their URL. */
  private static final Object[][] NODES = {
    {ORI, "8f50d3f60eae370ddbf85c86219c55108a350165"},
    {SNP, "22"},
    {ORI, "83404f995118bd25774f4ac14422a8f175e7a054"},
    {REV, "09"},
    {REL, "10"},
    {SNP, "20"},
    {REV, "03"},
    {DIR, "02"},
    {CNT, "05"},
    {DIR, "06"},
    {CNT, "04"},
    {CNT, "01"},
    {DIR, "08"},
    {CNT, "07"},
    {DIR, "12"},
    {CNT, "11"},
    {REV, "13"},
    {DIR, "16"},
    {CNT, "15"},
    {REL, "21"},
    {REV, "18"},
    {REL, "19"},
    {DIR, "17"},
    {CNT, "14"},
  };

  private ExampleDatabase() {}

  /** Writes the example database, one Parquet file per table, into {@code directory}. */
  public static void write(Path directory, BufferAllocator allocator) throws IOException {
    TableWriter writer = new TableWriter(allocator, directory);
    List<Object[]> nodes = new ArrayList<>();
    for (int id = 0; id < NODES.length; id++) {
      String hex = (String) NODES[id][1];
      nodes.add(
          new Object[] {
            (long) id, NODES[id][0], HexFormat.of().parseHex("0".repeat(40 - hex.length()) + hex)
          });
    }
    writer.write(ProvenanceTable.NODES, "nodes.parquet", nodes, false);
    writer.write(
        ProvenanceTable.ORIGINS,
        "origins.parquet",
        List.of(
            new Object[] {0L, "https://example.com/swh/graph2"},
            new Object[] {2L, "https://example.com/swh/graph"}),
        false);
    writer.write(
        ProvenanceTable.CONTENTS_IN_REVISIONS,
        "c_in_r.parquet",
        List.of(
            new Object[] {11L, 6L, 1111122220L, path("README.md")},
            new Object[] {15L, 16L, 1111166660L, path("README.md")},
            new Object[] {18L, 20L, 1111177770L, path("old/TODO.txt")},
            new Object[] {23L, 20L, 1111177770L, path("TODO.txt")}),
        false);
    writer.write(
        ProvenanceTable.CONTENTS_IN_DIRECTORIES,
        "c_in_d.parquet",
        List.of(
            new Object[] {11L, 12L, path("README.md")},
            new Object[] {10L, 9L, path("README.md")},
            new Object[] {10L, 12L, path("tests/README.md")},
            new Object[] {8L, 9L, path("parser.c")},
            new Object[] {8L, 12L, path("tests/parser.c")},
            new Object[] {13L, 12L, path("parser.c")}),
        false);
    writer.write(
        ProvenanceTable.DIRECTORIES_IN_REVISIONS,
        "d_in_r.parquet",
        List.of(
            new Object[] {12L, 1111144440L, 3L, 1111144440L, path("")},
            new Object[] {12L, 1111144440L, 16L, 1111166660L, path("oldproject/")}),
        false);
    List<Object[]> revisionsInOrigins = new ArrayList<>();
    for (long[] pair :
        new long[][] {{3, 0}, {3, 2}, {4, 0}, {4, 2}, {6, 0}, {6, 2}, {16, 0}, {19, 0}, {20, 0}}) {
      revisionsInOrigins.add(new Object[] {pair[0], pair[1]});
    }
    writer.write(ProvenanceTable.REVISIONS_IN_ORIGINS, "r_in_o.parquet", revisionsInOrigins, false);
  }

  private static byte[] path(String path) {
    return path.getBytes(StandardCharsets.UTF_8);
  }
}
