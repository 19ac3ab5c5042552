package org.softwareheritage.provenance.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.GRAPH2;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.server.testing.StorageMode;

/**
 * Every expected answer of the golden database (docs/architecture.md), through a real server, with
 * both RPCs and masks; the database held in memory and mapped from an index directory.
 */
class GoldenDatabaseTest {
  static Stream<Arguments> expectedAnswers() {
    String rev3 = swhid("rev", "09");
    return Stream.of(
        Arguments.of(swhid("cnt", "01"), swhid("rev", "03"), GRAPH2),
        Arguments.of(swhid("cnt", "04"), rev3, GRAPH2),
        Arguments.of(swhid("cnt", "05"), rev3, GRAPH2),
        Arguments.of(swhid("cnt", "07"), rev3, GRAPH2),
        Arguments.of(swhid("cnt", "11"), swhid("rev", "13"), GRAPH2),
        Arguments.of(swhid("cnt", "14"), swhid("rev", "18"), GRAPH2),
        Arguments.of(swhid("cnt", "15"), swhid("rev", "18"), GRAPH2),
        Arguments.of(swhid("dir", "08"), rev3, GRAPH2),
        Arguments.of(swhid("dir", "06"), null, null),
        Arguments.of(swhid("dir", "02"), null, null),
        Arguments.of(swhid("snp", "20"), null, null),
        Arguments.of(swhid("rev", "03"), swhid("rev", "03"), GRAPH2),
        Arguments.of(swhid("rel", "19"), swhid("rel", "19"), null));
  }

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
    private RunningServer server;

    Cases(StorageMode mode) {
      this.mode = mode;
    }

    @BeforeAll
    void start(@TempDir Path directory) throws Exception {
      try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
        ExampleDatabase.write(directory, allocator);
      }
      server = RunningServer.start(directory, mode);
    }

    @AfterAll
    void stop() throws Exception {
      server.close();
    }

    @ParameterizedTest
    @MethodSource("org.softwareheritage.provenance.server.grpc.GoldenDatabaseTest#expectedAnswers")
    void whereIsOne(String swhid, String anchor, String origin) {
      WhereIsOneResult result =
          server.blockingStub().whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid).build());
      assertAnswer(swhid, anchor, origin, result);
    }

    @Test
    void whereAreOneAnswersEveryRowInRequestOrder() {
      List<Arguments> rows = expectedAnswers().toList();
      WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
      for (int i = rows.size() - 1; i >= 0; i--) {
        request.addSwhid((String) rows.get(i).get()[0]);
      }
      String unknown = "swh:1:cnt:7e5dda5a1a86a6f6ca4275658284f8feda827f90";
      request.addSwhid(unknown);
      List<WhereIsOneResult> results = new ArrayList<>();
      server.blockingStub().whereAreOne(request.build()).forEachRemaining(results::add);
      assertEquals(rows.size() + 1, results.size());
      for (int i = 0; i < rows.size(); i++) {
        Object[] row = rows.get(rows.size() - 1 - i).get();
        assertAnswer((String) row[0], (String) row[1], (String) row[2], results.get(i));
      }
      assertAnswer(unknown, null, null, results.get(rows.size()));
    }

    /**
     * Flight bulk provenance (bytes end to end) gives the answers of WhereIsOne (strings), row for
     * row.
     */
    @Test
    void flightBulkProvenanceAnswersLikeWhereIsOne() throws Exception {
      List<String> swhids =
          new ArrayList<>(expectedAnswers().map(row -> (String) row.get()[0]).toList());
      swhids.add("swh:1:cnt:7e5dda5a1a86a6f6ca4275658284f8feda827f90");
      String ticket = "{\"provenance\": [\"" + String.join("\", \"", swhids) + "\"]}";
      List<String[]> rows = new ArrayList<>();
      try (BufferAllocator allocator = ArrowMemory.newRootAllocator();
          FlightClient client = server.flightClient(allocator);
          FlightStream stream =
              client.getStream(new Ticket(ticket.getBytes(StandardCharsets.UTF_8)))) {
        while (stream.next()) {
          VectorSchemaRoot root = stream.getRoot();
          for (int i = 0; i < root.getRowCount(); i++) {
            rows.add(
                new String[] {
                  text(root, "swhid", i), text(root, "anchor", i), text(root, "origin", i)
                });
          }
        }
      }
      assertEquals(swhids.size(), rows.size());
      for (int i = 0; i < swhids.size(); i++) {
        WhereIsOneResult result;
        try {
          result =
              server
                  .blockingStub()
                  .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhids.get(i)).build());
        } catch (StatusRuntimeException e) {
          assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
          result = WhereIsOneResult.newBuilder().setSwhid(swhids.get(i)).build();
        }
        assertAnswer(rows.get(i)[0], rows.get(i)[1], rows.get(i)[2], result);
      }
    }

    private static String text(VectorSchemaRoot root, String column, int row) {
      Object value = root.getVector(column).getObject(row);
      return value == null ? null : value.toString();
    }

    @Test
    void unknownSwhidIsNotFound() {
      String unknown = "swh:1:cnt:7e5dda5a1a86a6f6ca4275658284f8feda827f90";
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  server
                      .blockingStub()
                      .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(unknown).build()));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains(unknown));
    }

    @Test
    void maskWithAnchorOnlyLeavesOriginUnset() {
      WhereIsOneResult result =
          server
              .blockingStub()
              .whereIsOne(
                  WhereIsOneRequest.newBuilder()
                      .setSwhid(swhid("cnt", "01"))
                      .setMask(FieldMask.newBuilder().addPaths("anchor"))
                      .build());
      assertEquals("", result.getSwhid());
      assertEquals(swhid("rev", "03"), result.getAnchor());
      assertFalse(result.hasOrigin());
    }

    @Test
    void maskWithOriginOnlyStillResolvesTheAnchor() {
      WhereAreOneRequest request =
          WhereAreOneRequest.newBuilder()
              .addSwhid(swhid("cnt", "11"))
              .addSwhid(swhid("rel", "19"))
              .setMask(FieldMask.newBuilder().addPaths("origin").addPaths("swhid"))
              .build();
      List<WhereIsOneResult> results = new ArrayList<>();
      server.blockingStub().whereAreOne(request).forEachRemaining(results::add);
      assertEquals(swhid("cnt", "11"), results.get(0).getSwhid());
      assertFalse(results.get(0).hasAnchor());
      assertEquals(GRAPH2, results.get(0).getOrigin());
      assertFalse(results.get(1).hasAnchor());
      assertFalse(results.get(1).hasOrigin());
    }

    @Test
    void maskWithSwhidOnlyStillReportsUnknownNodes() {
      FieldMask mask = FieldMask.newBuilder().addPaths("swhid").build();
      WhereIsOneResult known =
          server
              .blockingStub()
              .whereIsOne(
                  WhereIsOneRequest.newBuilder()
                      .setSwhid(swhid("cnt", "01"))
                      .setMask(mask)
                      .build());
      assertEquals(swhid("cnt", "01"), known.getSwhid());
      assertFalse(known.hasAnchor());
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  server
                      .blockingStub()
                      .whereIsOne(
                          WhereIsOneRequest.newBuilder()
                              .setSwhid(swhid("cnt", "99"))
                              .setMask(mask)
                              .build()));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void originHashesAreTheSha1OfTheirUrls() throws Exception {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      assertEquals(
          "8f50d3f60eae370ddbf85c86219c55108a350165",
          HexFormat.of().formatHex(sha1.digest(GRAPH2.getBytes(StandardCharsets.UTF_8))));
      WhereIsOneResult origin =
          server
              .blockingStub()
              .whereIsOne(
                  WhereIsOneRequest.newBuilder()
                      .setSwhid("swh:1:ori:83404f995118bd25774f4ac14422a8f175e7a054")
                      .build());
      assertFalse(origin.hasAnchor());
    }

    private static void assertAnswer(
        String swhid, String anchor, String origin, WhereIsOneResult result) {
      assertEquals(swhid, result.getSwhid());
      assertEquals(anchor != null, result.hasAnchor(), "anchor of " + swhid);
      if (anchor != null) {
        assertEquals(anchor, result.getAnchor(), "anchor of " + swhid);
      }
      assertEquals(origin != null, result.hasOrigin(), "origin of " + swhid);
      if (origin != null) {
        assertEquals(origin, result.getOrigin(), "origin of " + swhid);
      }
    }
  }
}
