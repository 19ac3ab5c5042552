package org.softwareheritage.provenance.client.flight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.client.flight.ProvenanceRows.results;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.client.CallRecorder;
import org.softwareheritage.provenance.client.ProvenanceClient;
import org.softwareheritage.provenance.client.ProvenanceResult;
import org.softwareheritage.provenance.client.SwhidNotFoundException;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.testing.RandomDatabase;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * Bulk provenance over DoExchange against a server that takes at most 1,000 SWHIDs per request: the
 * client sends any input as consecutive exchanges of at most 700, answers every SWHID in request
 * order as gRPC does one at a time, and a client limit above the server's is a typed error.
 */
@Timeout(60)
class SplitExchangeTest {
  private static final int SERVER_LIMIT = 1_000;
  private static final int PER_EXCHANGE = 700;
  private static final CallRecorder CALLS = new CallRecorder();

  @TempDir static Path directory;

  private static RandomDatabase database;
  private static RunningServer server;
  private static final Map<Swhid, ProvenanceResult> ONE_BY_ONE = new HashMap<>();
  private BufferAllocator allocator;
  private ProvenanceFlightClient flight;

  @BeforeAll
  static void start() throws Exception {
    database = RandomDatabase.generate(23, 1500, RandomDatabase.NodeIds.SPARSE);
    database.write(directory.resolve("db"));
    server =
        RunningServer.start(
            directory.resolve("db"),
            new FlightOptions(4096, 256, SERVER_LIMIT),
            b -> b.intercept(CALLS));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void connect() {
    allocator = new RootAllocator();
    flight = client(PER_EXCHANGE);
    CALLS.calls().clear();
  }

  @AfterEach
  void close() throws Exception {
    flight.close();
    assertEquals(0, allocator.getAllocatedMemory(), "every batch was released");
    allocator.close();
  }

  /** A client sending batches of 300 SWHIDs, so that exchanges end mid-batch. */
  private ProvenanceFlightClient client(int maxSwhidsPerExchange) {
    return ProvenanceFlightClient.builder()
        .target("127.0.0.1:" + server.port())
        .allocator(allocator)
        .exchangeBatchRows(300)
        .maxSwhidsPerExchange(maxSwhidsPerExchange)
        .build();
  }

  /**
   * {@code count} SWHIDs in random order: nodes of every type, repeated, and one in ten unknown.
   */
  private static List<Swhid> swhids(int count) {
    Random random = new Random(count);
    List<Swhid> swhids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (random.nextInt(10) == 0) {
        byte[] hash = new byte[Swhid.HASH_LENGTH];
        random.nextBytes(hash);
        swhids.add(Swhid.of(ObjectType.CONTENT, hash));
      } else {
        swhids.add(database.nodes().get(random.nextInt(database.nodes().size())).swhid());
      }
    }
    return swhids;
  }

  /**
   * The answers of gRPC {@code WhereIsOne}, one call per distinct SWHID; unknown ones are empty.
   */
  private static List<ProvenanceResult> oneByOne(List<Swhid> swhids) {
    try (ProvenanceClient grpc =
        ProvenanceClient.builder().target("127.0.0.1:" + server.port()).build()) {
      return swhids.stream()
          .map(
              swhid ->
                  ONE_BY_ONE.computeIfAbsent(
                      swhid,
                      s -> {
                        try {
                          return grpc.whereIs(s);
                        } catch (SwhidNotFoundException e) {
                          return new ProvenanceResult(s, null, null);
                        }
                      }))
          .toList();
    }
  }

  private static long exchanges() {
    return CALLS.calls().stream().filter(call -> call.method().equals("DoExchange")).count();
  }

  @Test
  void answersEverySwhidInOrderAcrossExchanges() {
    List<Swhid> swhids = swhids(2_500);
    try (BatchStream batches = flight.exchangeProvenance(swhids.iterator(), false)) {
      assertEquals(oneByOne(swhids), results(batches));
    }
    assertEquals(4, exchanges(), "700 + 700 + 700 + 400 SWHIDs");
  }

  @Test
  void anInputOfWholeExchangesOpensNoEmptyOne() {
    List<Swhid> swhids = swhids(3 * PER_EXCHANGE);
    try (BatchStream batches = flight.exchangeProvenance(swhids.iterator(), false)) {
      assertEquals(oneByOne(swhids), results(batches));
    }
    assertEquals(3, exchanges());
  }

  @Test
  void anEmptyInputHasTheSchemaAndNoRows() {
    try (BatchStream batches = flight.exchangeProvenance(List.<Swhid>of().iterator(), false)) {
      assertEquals(
          List.of("swhid", "anchor", "anchor_date", "origin"),
          batches.schema().getFields().stream().map(f -> f.getName()).toList());
      assertEquals(List.of(), results(batches));
    }
    assertEquals(1, exchanges());
    assertThrows(
        IllegalArgumentException.class,
        () -> ProvenanceFlightClient.builder().maxSwhidsPerExchange(0));
  }

  @Test
  void closingMidwayCancelsTheCurrentExchangeAndStopsReadingTheInput() {
    AtomicInteger read = new AtomicInteger();
    Swhid node = database.nodes().get(0).swhid();
    Iterator<Swhid> endless =
        Stream.generate(
                () -> {
                  read.incrementAndGet();
                  return node;
                })
            .iterator();
    long rows = 0;
    try (BatchStream batches = flight.exchangeProvenance(endless, false)) {
      while (rows <= PER_EXCHANGE && batches.next()) {
        rows += batches.root().getRowCount();
      }
    }
    assertTrue(rows > PER_EXCHANGE, "the second exchange answered: " + rows);
    assertTrue(read.get() <= 2 * PER_EXCHANGE, "the input is read one exchange at a time: " + read);
    assertEquals(2, exchanges());
    try (BatchStream batches = flight.exchangeProvenance(List.of(node).iterator(), false)) {
      assertEquals(oneByOne(List.of(node)), results(batches), "the client still works");
    }
  }

  @Test
  void requestsOverTheServerLimitAreInvalidArgumentNamingIt() throws Exception {
    try (ProvenanceFlightClient tooLarge = client(SERVER_LIMIT + 500);
        BatchStream batches = tooLarge.exchangeProvenance(swhids(2_500).iterator(), false)) {
      FlightRuntimeException e = assertThrows(FlightRuntimeException.class, () -> results(batches));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
      assertTrue(e.getMessage().contains("at most 1000 are allowed per request"), e.getMessage());
    }
    // the server refuses the list when asked for its flight (it used to wait for the stream)
    FlightRuntimeException e =
        assertThrows(
            FlightRuntimeException.class,
            () -> {
              try (BatchStream batches = flight.provenance(swhids(SERVER_LIMIT + 1), false)) {
                results(batches);
              }
            });
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("at most 1000 are allowed per request"), e.getMessage());
  }
}
