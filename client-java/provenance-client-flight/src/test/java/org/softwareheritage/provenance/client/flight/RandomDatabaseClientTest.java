package org.softwareheritage.provenance.client.flight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.client.flight.ProvenanceRows.results;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.client.ProvenanceClient;
import org.softwareheritage.provenance.client.ProvenanceResult;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.testing.RandomDatabase;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * Both clients against a randomized database: gRPC answers equal brute force across batch
 * boundaries; Flight tables read across endpoints, slices, saved Arrow and Parquet files read back,
 * and bulk provenance by DoGet and DoExchange equal to the gRPC answers.
 */
class RandomDatabaseClientTest {
  @TempDir static Path directory;

  private static RandomDatabase database;
  private static RunningServer server;
  private BufferAllocator allocator;
  private ProvenanceFlightClient flight;
  private ProvenanceClient grpc;

  @BeforeAll
  static void start() throws Exception {
    database = RandomDatabase.generate(11, 3000, RandomDatabase.NodeIds.DENSE);
    database.write(directory.resolve("db"));
    server =
        RunningServer.start(
            directory.resolve("db"), new FlightOptions(700, 256, 1_000_000), builder -> {});
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void connect() {
    allocator = new RootAllocator();
    flight =
        ProvenanceFlightClient.builder()
            .target("127.0.0.1:" + server.port())
            .allocator(allocator)
            .exchangeBatchRows(1000)
            .build();
    grpc = ProvenanceClient.builder().target("127.0.0.1:" + server.port()).batchSize(97).build();
  }

  @AfterEach
  void close() throws Exception {
    flight.close();
    grpc.close();
    assertEquals(0, allocator.getAllocatedMemory(), "every batch was released");
    allocator.close();
  }

  /** Every node, some unknown SWHIDs, some repeated, shuffled. */
  private static List<Swhid> mixedSwhids() {
    List<Swhid> swhids =
        new ArrayList<>(database.nodes().stream().map(RandomDatabase.Node::swhid).toList());
    Random random = new Random(5);
    for (int i = 0; i < 200; i++) {
      byte[] hash = new byte[Swhid.HASH_LENGTH];
      random.nextBytes(hash);
      swhids.add(Swhid.of(ObjectType.CONTENT, hash));
      swhids.add(swhids.get(random.nextInt(swhids.size())));
    }
    Collections.shuffle(swhids, random);
    return swhids;
  }

  private static ProvenanceResult expected(Swhid swhid) {
    RandomDatabase.Answer answer = database.expected(swhid);
    return answer == null
        ? new ProvenanceResult(swhid, null, null)
        : new ProvenanceResult(swhid, answer.anchor(), answer.origin());
  }

  @Test
  void whereAreEqualsBruteForceInRequestOrder() {
    List<Swhid> swhids = mixedSwhids();
    List<ProvenanceResult> results = grpc.whereAre(swhids);
    assertEquals(swhids.size(), results.size());
    for (int i = 0; i < swhids.size(); i++) {
      assertEquals(expected(swhids.get(i)), results.get(i), "result " + i);
    }
  }

  @Test
  void streamWhereAreOverALargeInput() {
    List<Swhid> swhids = mixedSwhids();
    int total = 50_000;
    Iterator<Swhid> input =
        Stream.iterate(0, i -> i + 1)
            .limit(total)
            .map(i -> swhids.get(i % swhids.size()))
            .iterator();
    int[] index = {0};
    try (Stream<ProvenanceResult> results = grpc.streamWhereAre(input)) {
      results.forEachOrdered(
          result -> {
            assertEquals(swhids.get(index[0] % swhids.size()), result.swhid());
            index[0]++;
          });
    }
    assertEquals(total, index[0]);
  }

  @Test
  void listTablesGivesEveryTableWithItsSize() {
    List<TableInfo> tables = flight.listTables();
    assertEquals(
        List.of(
            "nodes",
            "origins",
            "contents_in_revisions_without_frontiers",
            "contents_in_frontier_directories",
            "frontier_directories_in_revisions",
            "revisions_in_origins"),
        tables.stream().map(TableInfo::name).toList());
    assertEquals(database.nodes().size(), tables.get(0).rows());
    assertEquals(
        List.of("id", "type", "sha1_git"),
        tables.get(0).schema().getFields().stream().map(f -> f.getName()).toList());
  }

  @Test
  void readsAWholeTableAcrossEndpoints() {
    long rows = database.contentsInDirectories().size();
    assertTrue(rows > 700, "the table spans several endpoints of 700 rows");
    List<Integer> batchSizes = new ArrayList<>();
    assertEquals(
        rows,
        flight.read(
            TableQuery.table("contents_in_frontier_directories"),
            root -> batchSizes.add(root.getRowCount())));
    assertTrue(batchSizes.stream().allMatch(size -> size <= 256), batchSizes.toString());
  }

  @Test
  void readsSlicesByKey() {
    long[] first = database.contentsInDirectories().get(0);
    long expected =
        database.contentsInDirectories().stream().filter(row -> row[0] == first[0]).count();
    try (BatchStream batches =
        flight.read(
            TableQuery.table("contents_in_frontier_directories")
                .columns("dir", "cnt")
                .key(first[0]))) {
      long rows = 0;
      while (batches.next()) {
        VectorSchemaRoot root = batches.root();
        assertEquals("dir", root.getSchema().getFields().get(0).getName());
        for (int i = 0; i < root.getRowCount(); i++) {
          assertEquals(first[0], ((Number) root.getVector("cnt").getObject(i)).longValue());
        }
        rows += root.getRowCount();
      }
      assertEquals(expected, rows);
    }
    long ranged =
        flight.read(
            TableQuery.table("contents_in_frontier_directories").keyRange(0, -1L), root -> {});
    assertEquals(database.contentsInDirectories().size(), ranged, "the full unsigned key range");
    long none = flight.read(TableQuery.table("nodes").keys(), root -> {});
    assertEquals(0, none);
  }

  @Test
  void badQueriesAreInvalidArgument() {
    FlightRuntimeException table =
        assertThrows(
            FlightRuntimeException.class,
            () -> flight.read(TableQuery.table("no_such_table"), root -> {}));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, table.status().code());
    FlightRuntimeException column =
        assertThrows(
            FlightRuntimeException.class,
            () -> flight.read(TableQuery.table("nodes").columns("nope"), root -> {}));
    assertTrue(column.getMessage().contains("nope"), column.getMessage());
  }

  @Test
  void savesArrowAndParquetFiles() throws Exception {
    Path arrow = directory.resolve("out/nodes.arrow");
    Path parquet = directory.resolve("out/nodes.parquet");
    TableQuery nodes = TableQuery.table("nodes");
    assertEquals(database.nodes().size(), flight.save(nodes, arrow, FileFormat.ARROW_IPC));
    assertEquals(database.nodes().size(), flight.save(nodes, parquet, FileFormat.PARQUET));
    List<String> streamed = new ArrayList<>();
    flight.read(nodes, root -> addRows(root, streamed));
    List<String> fromArrow = new ArrayList<>();
    try (ArrowFileReader reader = new ArrowFileReader(Files.newByteChannel(arrow), allocator)) {
      while (reader.loadNextBatch()) {
        addRows(reader.getVectorSchemaRoot(), fromArrow);
      }
    }
    assertEquals(streamed, fromArrow);
    List<String> fromParquet = new ArrayList<>();
    List<String> types = new ArrayList<>();
    try (FileSystemDatasetFactory factory =
            new FileSystemDatasetFactory(
                allocator,
                NativeMemoryPool.getDefault(),
                org.apache.arrow.dataset.file.FileFormat.PARQUET,
                parquet.toUri().toString());
        Dataset dataset = factory.finish();
        Scanner scanner = dataset.newScan(new ScanOptions(1024));
        ArrowReader reader = scanner.scanBatches()) {
      while (reader.loadNextBatch()) {
        addRows(reader.getVectorSchemaRoot(), fromParquet);
        FieldVector type = reader.getVectorSchemaRoot().getVector("type");
        for (int i = 0; i < type.getValueCount(); i++) {
          types.add(type.getObject(i).toString());
        }
      }
    }
    assertEquals(streamed, fromParquet);
    assertEquals(
        database.nodes().stream().map(n -> n.type().tag()).sorted().toList(),
        types.stream().sorted().toList(),
        "dictionary-encoded types are decoded in Parquet");
    try (Stream<Path> files = Files.list(directory.resolve("out"))) {
      assertEquals(
          List.of("nodes.arrow", "nodes.parquet"),
          files.map(p -> p.getFileName().toString()).sorted().toList(),
          "no staging files left");
    }
  }

  /** Node rows as text: id and hash. */
  private static void addRows(VectorSchemaRoot root, List<String> rows) {
    for (int i = 0; i < root.getRowCount(); i++) {
      rows.add(
          root.getVector("id").getObject(i)
              + "|"
              + HexFormat.of().formatHex((byte[]) root.getVector("sha1_git").getObject(i)));
    }
  }

  @Test
  void bulkProvenanceByDoGetAndDoExchangeEqualsTheGrpcAnswers() {
    List<Swhid> swhids = mixedSwhids();
    List<ProvenanceResult> expected = grpc.whereAre(swhids);
    try (BatchStream batches = flight.provenance(swhids.subList(0, 300), false)) {
      assertEquals(expected.subList(0, 300), results(batches));
    }
    try (BatchStream batches = flight.exchangeProvenance(swhids.iterator(), false)) {
      assertEquals(
          List.of("swhid", "anchor", "anchor_date", "origin"),
          batches.schema().getFields().stream().map(f -> f.getName()).toList());
      assertEquals(expected, results(batches));
    }
  }

  @Test
  void exchangeStreamsMillionsThroughBoundedMemory() {
    Swhid content =
        database.nodes().stream()
            .filter(n -> n.type() == ObjectType.CONTENT)
            .findFirst()
            .orElseThrow()
            .swhid();
    int total = 300_000;
    Iterator<Swhid> input = Stream.generate(() -> content).limit(total).iterator();
    long rows = 0;
    long peak = 0;
    try (BatchStream batches = flight.exchangeProvenance(input, false)) {
      while (batches.next()) {
        rows += batches.root().getRowCount();
        peak = Math.max(peak, allocator.getAllocatedMemory());
      }
    }
    assertEquals(total, rows);
    assertTrue(peak < 32L << 20, "client memory stays bounded: " + peak);
  }

  @Test
  void allAnchorsComeInTheServersOrder() {
    Swhid content =
        database.nodes().stream()
            .filter(n -> n.type() == ObjectType.CONTENT)
            .filter(n -> database.allAnchors(n.swhid()).size() > 3)
            .findFirst()
            .orElseThrow()
            .swhid();
    List<RandomDatabase.Answer> expected = database.allAnchors(content);
    try (BatchStream batches = flight.exchangeProvenance(List.of(content).iterator(), true)) {
      List<ProvenanceResult> rows = results(batches);
      assertEquals(expected.size(), rows.size());
      for (int i = 0; i < rows.size(); i++) {
        assertEquals(expected.get(i).anchor(), rows.get(i).anchor().orElseThrow());
      }
    }
  }

  @Test
  void closingAnExchangeEarlyCancelsIt() {
    Iterator<Swhid> endless = Stream.generate(() -> database.nodes().get(0).swhid()).iterator();
    try (BatchStream batches = flight.exchangeProvenance(endless, false)) {
      assertTrue(batches.next());
      assertNull(batches.root().getVector("nope"));
    }
    List<Swhid> three =
        database.nodes().subList(0, 3).stream().map(RandomDatabase.Node::swhid).toList();
    try (BatchStream batches = flight.provenance(three, false)) {
      assertEquals(
          three,
          results(batches).stream().map(ProvenanceResult::swhid).toList(),
          "the client still works");
    }
  }
}
