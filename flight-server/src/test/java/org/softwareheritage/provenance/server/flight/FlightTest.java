package org.softwareheritage.provenance.server.flight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VariableWidthFieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.testing.MessageCounter;
import org.softwareheritage.provenance.server.testing.RandomDatabase;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.server.testing.StorageMode;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * Arrow Flight with the Java FlightClient against a real server on a randomized database, held in
 * memory and mapped from an index directory.
 */
class FlightTest {
  @Nested
  class InMemory extends Cases {
    InMemory() {
      super(StorageMode.MEMORY);
    }
  }

  @Nested
  class Mapped extends Cases {
    Mapped() {
      super(StorageMode.MAPPED);
    }
  }

  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract static class Cases {
    private final StorageMode mode;
    private final AtomicInteger sent = new AtomicInteger();
    private RandomDatabase database;
    private RunningServer server;
    private BufferAllocator allocator;
    private FlightClient client;

    Cases(StorageMode mode) {
      this.mode = mode;
    }

    @BeforeAll
    void start(@TempDir Path directory) throws Exception {
      database = RandomDatabase.generate(3, 3000, RandomDatabase.NodeIds.SPARSE);
      database.write(directory);
      server =
          RunningServer.start(
              directory,
              mode,
              0,
              new FlightOptions(700, 500, 1_000_000),
              builder -> builder.intercept(new MessageCounter(sent)));
    }

    @AfterAll
    void stop() throws Exception {
      server.close();
    }

    @BeforeEach
    void connect() {
      allocator = ArrowMemory.newRootAllocator();
      client = server.flightClient(allocator);
    }

    @AfterEach
    void disconnect() throws Exception {
      client.close();
      allocator.close();
    }

    @Test
    void listsEveryTableWithSchemaRowsAndBytes() {
      List<FlightInfo> flights = new ArrayList<>();
      client.listFlights(Criteria.ALL).forEach(flights::add);
      assertEquals(ProvenanceTable.values().length, flights.size());
      for (FlightInfo info : flights) {
        ProvenanceTable table =
            ProvenanceTable.valueOf(tableEnum(info.getDescriptor().getPath().get(0)));
        assertEquals(server.data().database().table(table).rowCount(), info.getRecords());
        assertTrue(info.getBytes() > 0);
        assertEquals(
            table.columns().stream().map(ProvenanceTable.Column::name).toList(),
            info.getSchemaOptional().orElseThrow().getFields().stream()
                .map(Field::getName)
                .toList());
      }
    }

    @Test
    void endpointsCoverATableExactlyOnce() throws Exception {
      FlightInfo info = client.getInfo(FlightDescriptor.path("contents_in_frontier_directories"));
      assertTrue(info.getEndpoints().size() > 2, "endpoints: " + info.getEndpoints().size());
      List<String> rows = new ArrayList<>();
      for (FlightEndpoint endpoint : info.getEndpoints()) {
        rows.addAll(read(endpoint.getTicket()));
      }
      List<String> expected = new ArrayList<>();
      for (long[] row : database.contentsInDirectories()) {
        expected.add(Long.toUnsignedString(row[0]) + "," + Long.toUnsignedString(row[1]));
      }
      Collections.sort(expected);
      List<String> sortedRows = new ArrayList<>(rows);
      Collections.sort(sortedRows);
      assertEquals(expected, sortedRows);
      assertEquals(info.getRecords(), rows.size());
      assertEquals(read(ticket("{\"table\": \"contents_in_frontier_directories\"}")), rows);
    }

    @Test
    void projectsColumns() throws Exception {
      Ticket ticket =
          ticket(
              "{\"table\": \"frontier_directories_in_revisions\", \"columns\":"
                  + " [\"revrel_author_date\", \"dir\"]}");
      try (FlightStream stream = client.getStream(ticket)) {
        Schema schema = stream.getSchema();
        assertEquals(
            List.of("revrel_author_date", "dir"),
            schema.getFields().stream().map(Field::getName).toList());
        long rows = 0;
        while (stream.next()) {
          assertTrue(stream.getRoot().getVector(0) instanceof TimeStampVector);
          rows += stream.getRoot().getRowCount();
        }
        assertEquals(
            server.data().database().table(ProvenanceTable.DIRECTORIES_IN_REVISIONS).rowCount(),
            rows);
      }
    }

    @Test
    void filtersByKeyKeyListAndKeyRange() throws Exception {
      List<String> all = read(ticket("{\"table\": \"contents_in_frontier_directories\"}"));
      List<Long> keys =
          all.stream().map(row -> Long.parseUnsignedLong(row.split(",")[0])).distinct().toList();
      long hot =
          keys.stream()
              .max(
                  Comparator.comparingLong(
                      k ->
                          all.stream()
                              .filter(r -> r.startsWith(Long.toUnsignedString(k) + ","))
                              .count()))
              .orElseThrow();
      assertEquals(
          rowsWithKey(all, hot),
          read(
              ticket(
                  "{\"table\": \"contents_in_frontier_directories\", \"key\": "
                      + Long.toUnsignedString(hot)
                      + "}")));

      long first = keys.get(keys.size() / 3);
      long second = keys.get(keys.size() / 2);
      List<String> expected = new ArrayList<>(rowsWithKey(all, second));
      expected.addAll(rowsWithKey(all, 12345678901L));
      expected.addAll(rowsWithKey(all, first));
      assertEquals(
          expected,
          read(
              ticket(
                  "{\"table\": \"contents_in_frontier_directories\", \"keys\": ["
                      + Long.toUnsignedString(second)
                      + ", 12345678901, "
                      + Long.toUnsignedString(first)
                      + "]}")));

      long low = Math.min(first, second);
      long high = Math.max(first, second);
      List<String> inRange =
          all.stream()
              .filter(
                  row -> {
                    long key = Long.parseUnsignedLong(row.split(",")[0]);
                    return Long.compareUnsigned(key, low) >= 0
                        && Long.compareUnsigned(key, high) <= 0;
                  })
              .toList();
      FlightInfo info =
          client.getInfo(
              FlightDescriptor.command(
                  ("{\"table\": \"contents_in_frontier_directories\", \"key_range\": ["
                          + Long.toUnsignedString(low)
                          + ", "
                          + Long.toUnsignedString(high)
                          + "]}")
                      .getBytes(StandardCharsets.UTF_8)));
      assertEquals(inRange.size(), info.getRecords());
      List<String> fromEndpoints = new ArrayList<>();
      for (FlightEndpoint endpoint : info.getEndpoints()) {
        fromEndpoints.addAll(read(endpoint.getTicket()));
      }
      assertEquals(inRange, fromEndpoints);
    }

    @Test
    void aLongKeyListComesInFullBatchesNotOneBatchPerKey() throws Exception {
      for (String table : List.of("nodes", "origins")) {
        // the hashes of nodes are left out: byte arrays do not compare as text
        String columns = table.equals("nodes") ? ", \"columns\": [\"id\", \"type\"]" : "";
        List<String> all = read(ticket("{\"table\": \"" + table + "\"" + columns + "}"));
        List<String> expected = new ArrayList<>(all);
        java.util.Collections.reverse(expected);
        String keys = String.join(", ", expected.stream().map(row -> row.split(",")[0]).toList());
        Ticket ticket =
            ticket("{\"table\": \"" + table + "\"" + columns + ", \"keys\": [" + keys + "]}");
        assertEquals(expected, read(ticket), table);
        int batches = 0;
        try (FlightStream stream = client.getStream(ticket)) {
          while (stream.next()) {
            batches++;
          }
        }
        assertEquals(
            (all.size() + 499) / 500, batches, table + ": batches of 500 rows, not one per key");
      }
    }

    @Test
    void nodesAreFilteredById() throws Exception {
      RandomDatabase.Node node = database.nodes().get(17);
      try (FlightStream stream =
          client.getStream(
              ticket(
                  "{\"table\": \"nodes\", \"keys\": ["
                      + Long.toUnsignedString(node.id())
                      + "]}"))) {
        int rows = 0;
        while (stream.next()) {
          VectorSchemaRoot root = stream.getRoot();
          for (int i = 0; i < root.getRowCount(); i++) {
            assertEquals(node.id(), ((UInt8Vector) root.getVector("id")).get(i));
            rows++;
          }
        }
        assertEquals(1, rows);
      }
    }

    @Test
    void nodesAreSortedByIdAndTakeKeyRanges() throws Exception {
      List<Long> ids =
          database.nodes().stream()
              .map(RandomDatabase.Node::id)
              .sorted(Long::compareUnsigned)
              .toList();
      assertEquals(
          ids.stream().map(Long::toUnsignedString).toList(),
          read(ticket("{\"table\": \"nodes\", \"columns\": [\"id\"]}")));
      long low = ids.get(ids.size() / 4);
      long high = ids.get(ids.size() / 2);
      assertEquals(
          ids.subList(ids.size() / 4, ids.size() / 2 + 1).stream()
              .map(Long::toUnsignedString)
              .toList(),
          read(
              ticket(
                  "{\"table\": \"nodes\", \"columns\": [\"id\"], \"key_range\": ["
                      + Long.toUnsignedString(low)
                      + ", "
                      + Long.toUnsignedString(high)
                      + "]}")));
    }

    @Test
    void bulkProvenanceByExchangeEqualsWhereAreOne() throws Exception {
      List<Swhid> swhids = requestSwhids();
      List<String[]> expected = whereAreOne(swhids);
      List<String[]> actual =
          exchange(swhids.stream().map(Swhid::toString).toList(), ArrowType.Utf8.INSTANCE);
      assertEquals(expected.size(), actual.size());
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(expected.get(i)[0], actual.get(i)[0]);
        assertEquals(expected.get(i)[1], actual.get(i)[1], "anchor of " + actual.get(i)[0]);
        assertEquals(expected.get(i)[2], actual.get(i)[3], "origin of " + actual.get(i)[0]);
        RandomDatabase.Answer answer = database.expected(Swhid.parse(actual.get(i)[0]));
        String date = answer == null || answer.date() == null ? null : Long.toString(answer.date());
        assertEquals(date, actual.get(i)[2], "date of " + actual.get(i)[0]);
      }
    }

    @Test
    void bulkProvenanceTakesLargeStringsToo() throws Exception {
      List<String> swhids = requestSwhids().stream().map(Swhid::toString).toList();
      List<String[]> large = exchange(swhids, ArrowType.LargeUtf8.INSTANCE);
      List<String[]> small = exchange(swhids, ArrowType.Utf8.INSTANCE);
      assertEquals(small.size(), large.size());
      for (int i = 0; i < small.size(); i++) {
        assertEquals(List.of(nulls(small.get(i))), List.of(nulls(large.get(i))), "row " + i);
      }
    }

    /**
     * The bytes parser of bulk requests rejects what the string parser rejects, with its message.
     */
    @ParameterizedTest
    @MethodSource("org.softwareheritage.provenance.server.testing.InvalidSwhids#texts")
    @NullSource
    void bulkProvenanceRejectsInvalidSwhidsLikeWhereAreOne(String value) throws Exception {
      List<String> swhids =
          new ArrayList<>(Collections.nCopies(2000, database.nodes().get(0).swhid().toString()));
      swhids.set(1500, value);
      String expected =
          "swhid[1500]: "
              + assertThrows(IllegalArgumentException.class, () -> Swhid.parse(value)).getMessage();
      FlightRuntimeException e =
          assertThrows(
              FlightRuntimeException.class, () -> exchange(swhids, ArrowType.Utf8.INSTANCE));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
      assertEquals(expected, e.status().description());
      if (value != null) {
        String json = new ObjectMapper().writeValueAsString(Map.of("provenance", swhids));
        FlightRuntimeException byTicket =
            assertThrows(FlightRuntimeException.class, () -> read(ticket(json)));
        assertEquals(expected, byTicket.status().description());
      }
    }

    @Test
    void bulkProvenanceByTicketWithAllAnchors() throws Exception {
      List<Swhid> swhids = requestSwhids().subList(0, 400);
      StringBuilder json = new StringBuilder("{\"all_anchors\": true, \"provenance\": [");
      for (int i = 0; i < swhids.size(); i++) {
        json.append(i == 0 ? "" : ", ").append('"').append(swhids.get(i)).append('"');
      }
      List<String[]> actual = new ArrayList<>();
      try (FlightStream stream = client.getStream(ticket(json.append("]}").toString()))) {
        while (stream.next()) {
          actual.addAll(rows(stream.getRoot()));
        }
      }
      List<String[]> expected = new ArrayList<>();
      for (Swhid swhid : swhids) {
        List<RandomDatabase.Answer> answers = database.allAnchors(swhid);
        if (answers == null || answers.isEmpty()) {
          expected.add(new String[] {swhid.toString(), null, null, null});
        }
        for (RandomDatabase.Answer answer :
            answers == null ? List.<RandomDatabase.Answer>of() : answers) {
          expected.add(
              new String[] {
                swhid.toString(),
                answer.anchor().toString(),
                answer.date() == null ? null : answer.date().toString(),
                answer.origin()
              });
        }
      }
      assertEquals(expected.size(), actual.size());
      assertTrue(expected.size() > swhids.size() * 2, "rows: " + expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(List.of(nulls(expected.get(i))), List.of(nulls(actual.get(i))), "row " + i);
      }
    }

    @Test
    void aSlowReaderHoldsTheServerBackAndCancellationStopsIt() throws Exception {
      String swhid = database.nodes().get(0).swhid().toString();
      StringBuilder json = new StringBuilder("{\"provenance\": [");
      for (int i = 0; i < 400_000; i++) {
        json.append(i == 0 ? "" : ",").append('"').append(swhid).append('"');
      }
      sent.set(0);
      try (FlightStream stream = client.getStream(ticket(json.append("]}").toString()))) {
        assertTrue(stream.next());
        Thread.sleep(1500);
        int sentWhileStalled = sent.get();
        assertTrue(
            sentWhileStalled < 400,
            "of 800 batches, sent to a stalled reader: " + sentWhileStalled);
        stream.cancel("enough", null);
      }
      Thread.sleep(500);
      int settled = sent.get();
      Thread.sleep(500);
      assertEquals(settled, sent.get());
      assertTrue(settled < 500, "of 800 batches, sent: " + settled);
      assertEquals(ProvenanceTable.values().length, countFlights());
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "not json",
          "[1, 2]",
          "{}",
          "{\"table\": \"nodes\", \"colums\": [\"id\"]}",
          "{\"table\": \"edges\"}",
          "{\"table\": \"nodes\", \"columns\": [\"path\"]}",
          "{\"table\": \"revisions_in_origins\", \"key\": -1}",
          "{\"table\": \"revisions_in_origins\", \"key\": 18446744073709551616}",
          "{\"table\": \"revisions_in_origins\", \"key\": 1, \"keys\": [1]}",
          "{\"table\": \"nodes\", \"rows\": [5, 2]}",
          "{\"provenance\": [\"swh:1:cnt:xyz\"]}",
          "{\"provenance\": \"swh:1:cnt:0000000000000000000000000000000000000001\"}",
          "{\"provenance\": [], \"all_anchors\": \"yes\"}",
          "{\"exchange\": \"provenance\"}",
        })
    void badTicketsAreInvalidArguments(String ticket) {
      FlightRuntimeException e =
          assertThrows(FlightRuntimeException.class, () -> read(ticket(ticket)));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
      assertTrue(e.status().description().length() > 10, e.status().description());
      assertEquals(ProvenanceTable.values().length, countFlights());
    }

    @Test
    void badExchangeInputIsAnInvalidArgument() throws Exception {
      FlightDescriptor command =
          FlightDescriptor.command(
              "{\"exchange\": \"provenance\"}".getBytes(StandardCharsets.UTF_8));
      try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(command);
          VectorSchemaRoot request =
              VectorSchemaRoot.create(
                  new Schema(List.of(Field.notNullable("swhid", ArrowType.Utf8.INSTANCE))),
                  allocator)) {
        exchange.getWriter().start(request);
        ((VarCharVector) request.getVector("swhid"))
            .setSafe(0, "swh:1:cnt:nope".getBytes(StandardCharsets.US_ASCII));
        request.setRowCount(1);
        exchange.getWriter().putNext();
        exchange.getWriter().completed();
        FlightRuntimeException e =
            assertThrows(FlightRuntimeException.class, () -> exchange.getReader().next());
        assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
        assertTrue(e.status().description().contains("swhid[0]"), e.status().description());
      }
    }

    @Test
    void isReadOnly() throws Exception {
      Schema schema = new Schema(List.of(Field.notNullable("id", new ArrowType.Int(64, false))));
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
        SyncPutListener listener = new SyncPutListener();
        FlightClient.ClientStreamListener put =
            client.startPut(FlightDescriptor.path("nodes"), root, listener);
        put.completed();
        FlightRuntimeException e = assertThrows(FlightRuntimeException.class, put::getResult);
        assertEquals(FlightStatusCode.UNIMPLEMENTED, e.status().code());
        assertTrue(e.status().description().contains("read-only"));
        listener.close();
      }
      FlightRuntimeException action =
          assertThrows(
              FlightRuntimeException.class,
              () -> client.doAction(new Action("drop_table")).hasNext());
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, action.status().code());
      assertTrue(action.status().description().contains("drop_table"));
    }

    @Test
    void schemasOfTablesAndQueries() {
      assertEquals(
          List.of("swhid", "anchor", "anchor_date", "origin"),
          client
              .getSchema(
                  FlightDescriptor.command("{\"provenance\": []}".getBytes(StandardCharsets.UTF_8)))
              .getSchema()
              .getFields()
              .stream()
              .map(Field::getName)
              .toList());
      assertEquals(
          List.of("id", "type", "sha1_git"),
          client.getSchema(FlightDescriptor.path("nodes")).getSchema().getFields().stream()
              .map(Field::getName)
              .toList());
    }

    private long countFlights() {
      List<FlightInfo> flights = new ArrayList<>();
      client.listFlights(Criteria.ALL).forEach(flights::add);
      return flights.size();
    }

    private List<Swhid> requestSwhids() {
      List<Swhid> swhids = new ArrayList<>();
      database.nodes().forEach(node -> swhids.add(node.swhid()));
      Random random = new Random(5);
      for (int i = 0; i < 100; i++) {
        byte[] hash = new byte[20];
        random.nextBytes(hash);
        swhids.add(Swhid.of(ObjectType.CONTENT, hash));
      }
      Collections.shuffle(swhids, random);
      return swhids;
    }

    /**
     * Bulk provenance of {@code swhids} (null: a null value) by DoExchange, sent 1000 at a time in
     * a column of {@code type}.
     */
    private List<String[]> exchange(List<String> swhids, ArrowType type) throws Exception {
      FlightDescriptor command =
          FlightDescriptor.command(
              "{\"exchange\": \"provenance\"}".getBytes(StandardCharsets.UTF_8));
      List<String[]> rows = new ArrayList<>();
      try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(command);
          VectorSchemaRoot request =
              VectorSchemaRoot.create(
                  new Schema(List.of(Field.nullable("swhid", type))), allocator)) {
        exchange.getWriter().start(request);
        VariableWidthFieldVector column = (VariableWidthFieldVector) request.getVector("swhid");
        for (int start = 0; start < swhids.size(); start += 1000) {
          request.allocateNew();
          int count = Math.min(1000, swhids.size() - start);
          for (int i = 0; i < count; i++) {
            String swhid = swhids.get(start + i);
            if (swhid == null) {
              column.setNull(i);
            } else {
              column.setSafe(i, swhid.getBytes(StandardCharsets.UTF_8));
            }
          }
          request.setRowCount(count);
          exchange.getWriter().putNext();
        }
        exchange.getWriter().completed();
        FlightStream results = exchange.getReader();
        while (results.next()) {
          rows.addAll(rows(results.getRoot()));
        }
      }
      return rows;
    }

    private List<String[]> whereAreOne(List<Swhid> swhids) {
      WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
      swhids.forEach(swhid -> request.addSwhid(swhid.toString()));
      List<String[]> rows = new ArrayList<>();
      server
          .blockingStub()
          .whereAreOne(request.build())
          .forEachRemaining(
              (WhereIsOneResult r) ->
                  rows.add(
                      new String[] {
                        r.getSwhid(),
                        r.hasAnchor() ? r.getAnchor() : null,
                        r.hasOrigin() ? r.getOrigin() : null
                      }));
      return rows;
    }

    private List<String> read(Ticket ticket) throws Exception {
      List<String> rows = new ArrayList<>();
      try (FlightStream stream = client.getStream(ticket)) {
        while (stream.next()) {
          VectorSchemaRoot root = stream.getRoot();
          for (int i = 0; i < root.getRowCount(); i++) {
            StringBuilder row = new StringBuilder();
            for (FieldVector vector : root.getFieldVectors()) {
              row.append(row.length() == 0 ? "" : ",")
                  .append(
                      vector instanceof UInt8Vector ids
                          ? Long.toUnsignedString(ids.get(i))
                          : String.valueOf(vector.getObject(i)));
            }
            rows.add(row.toString());
          }
        }
      }
      return rows;
    }

    private static List<String[]> rows(VectorSchemaRoot root) {
      List<String[]> rows = new ArrayList<>();
      TimeStampVector dates = (TimeStampVector) root.getVector("anchor_date");
      for (int i = 0; i < root.getRowCount(); i++) {
        rows.add(
            new String[] {
              text(root, "swhid", i),
              text(root, "anchor", i),
              dates.isNull(i) ? null : Long.toString(dates.get(i)),
              text(root, "origin", i)
            });
      }
      return rows;
    }

    private static String text(VectorSchemaRoot root, String column, int row) {
      Object value = root.getVector(column).getObject(row);
      return value == null ? null : value.toString();
    }

    private static List<String> nulls(String[] row) {
      List<String> values = new ArrayList<>();
      for (String value : row) {
        values.add(value == null ? "<null>" : value);
      }
      return values;
    }

    private static List<String> rowsWithKey(List<String> rows, long key) {
      return rows.stream().filter(row -> row.startsWith(Long.toUnsignedString(key) + ",")).toList();
    }

    private static Ticket ticket(String json) {
      return new Ticket(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String tableEnum(String directory) {
      for (ProvenanceTable table : ProvenanceTable.values()) {
        if (table.directory().equals(directory)) {
          return table.name();
        }
      }
      throw new AssertionError("unexpected table " + directory);
    }
  }
}
