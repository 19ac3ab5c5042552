package org.softwareheritage.provenance.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.OpsServer;
import org.softwareheritage.provenance.server.testing.Settings;

/**
 * Each limit of the operations options, through a real server: the status, its message and its
 * retry hint.
 */
class LimitsTest {
  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);
  private static final WhereIsOneRequest KNOWN =
      WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build();

  @TempDir Path directory;

  private OpsServer start(Settings settings) throws Exception {
    return OpsServer.start(
        ExampleDirectory.write(directory.resolve("db")), settings.build(), Map.of());
  }

  private static WhereAreOneRequest repeated(int count) {
    return WhereAreOneRequest.newBuilder()
        .addAllSwhid(Collections.nCopies(count, swhid("cnt", "01")))
        .build();
  }

  @Test
  void maxCallTimeEndsACallThatRunsTooLong() throws Exception {
    Settings settings = new Settings();
    settings.maxCallTime = Duration.ofSeconds(1);
    try (OpsServer server = start(settings)) {
      Iterator<WhereIsOneResult> results =
          ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereAreOne(repeated(200_000));
      results.next();
      Thread.sleep(1500);
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> results.forEachRemaining(r -> {}));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("PT1S"), e.getStatus().getDescription());
      assertEquals(
          swhid("rev", "03"),
          ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereIsOne(KNOWN).getAnchor());
    }
  }

  @Test
  void tooManySwhidsAreRefusedOnGrpcAndFlight() throws Exception {
    Settings settings = new Settings();
    settings.maxSwhidsPerRequest = 10;
    try (OpsServer server = start(settings);
        BufferAllocator allocator = new RootAllocator();
        FlightClient flight =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", server.port()))
                .build()) {
      var stub = ProvenanceServiceGrpc.newBlockingStub(server.channel());
      assertEquals(10, countResults(stub.whereAreOne(repeated(10))));
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class, () -> countResults(stub.whereAreOne(repeated(11))));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertEquals(
          "the request names 11 SWHIDs; at most 10 are allowed per request",
          e.getStatus().getDescription());

      String ticket =
          "{\"provenance\": ["
              + String.join(", ", Collections.nCopies(11, "\"" + swhid("cnt", "01") + "\""))
              + "]}";
      FlightRuntimeException byTicket =
          assertThrows(
              FlightRuntimeException.class,
              () -> {
                try (FlightStream stream =
                    flight.getStream(new Ticket(ticket.getBytes(StandardCharsets.UTF_8)))) {
                  while (stream.next()) {
                    stream.getRoot();
                  }
                }
              });
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, byTicket.status().code());
      assertTrue(
          byTicket.getMessage().contains("at most 10 are allowed per request"),
          byTicket.getMessage());

      FlightRuntimeException byExchange =
          assertThrows(FlightRuntimeException.class, () -> exchange(flight, allocator, 11));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, byExchange.status().code());
      assertTrue(
          byExchange.getMessage().contains("at most 10 are allowed per request"),
          byExchange.getMessage());
      assertEquals(10, exchange(flight, allocator, 10));
    }
  }

  /** Sends {@code count} SWHIDs in batches of 4 over DoExchange; the number of results. */
  private static int exchange(FlightClient flight, BufferAllocator allocator, int count)
      throws Exception {
    FlightDescriptor command =
        FlightDescriptor.command("{\"exchange\": \"provenance\"}".getBytes(StandardCharsets.UTF_8));
    int results = 0;
    try (FlightClient.ExchangeReaderWriter exchange = flight.doExchange(command);
        VectorSchemaRoot request =
            VectorSchemaRoot.create(
                new Schema(List.of(Field.notNullable("swhid", ArrowType.Utf8.INSTANCE))),
                allocator)) {
      exchange.getWriter().start(request);
      VarCharVector column = (VarCharVector) request.getVector("swhid");
      for (int start = 0; start < count; start += 4) {
        request.allocateNew();
        int rows = Math.min(4, count - start);
        for (int i = 0; i < rows; i++) {
          column.setSafe(i, swhid("cnt", "01").getBytes(StandardCharsets.US_ASCII));
        }
        request.setRowCount(rows);
        exchange.getWriter().putNext();
      }
      exchange.getWriter().completed();
      FlightStream reader = exchange.getReader();
      while (reader.next()) {
        results += reader.getRoot().getRowCount();
      }
    }
    return results;
  }

  @Test
  void tooLargeAMessageIsRefused() throws Exception {
    Settings settings = new Settings();
    settings.maxMessageSize = 4096;
    try (OpsServer server = start(settings)) {
      var stub = ProvenanceServiceGrpc.newBlockingStub(server.channel());
      assertEquals(50, countResults(stub.whereAreOne(repeated(50))));
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class, () -> countResults(stub.whereAreOne(repeated(500))));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("4096"), e.getStatus().getDescription());
    }
  }

  @Test
  void concurrentCallsAreCappedStreamsIncludedHealthExempt() throws Exception {
    Settings settings = new Settings();
    settings.maxConcurrentCalls = 1;
    try (OpsServer server = start(settings)) {
      var stub = ProvenanceServiceGrpc.newBlockingStub(server.channel());
      try (Context.CancellableContext stalled = Context.current().withCancellation()) {
        Iterator<WhereIsOneResult> stream = stalled.call(() -> stub.whereAreOne(repeated(200_000)));
        stream.next();
        StatusRuntimeException e =
            assertThrows(StatusRuntimeException.class, () -> stub.whereIsOne(KNOWN));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(
            e.getStatus().getDescription().contains("at most 1"), e.getStatus().getDescription());
        assertTrue(Long.parseLong(e.getTrailers().get(PUSHBACK)) > 0);
        assertEquals(
            ServingStatus.SERVING,
            HealthGrpc.newBlockingStub(server.channel())
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus());
        stalled.cancel(null);
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (true) {
        try {
          assertEquals(swhid("rev", "03"), stub.whereIsOne(KNOWN).getAnchor());
          break;
        } catch (StatusRuntimeException e) {
          assertTrue(
              System.nanoTime() < deadline, "the cancelled stream never released its permit");
          Thread.sleep(50);
        }
      }
    }
  }

  @Test
  void rateLimitPerClientWithRetryHint() throws Exception {
    Settings settings = new Settings();
    settings.rateLimit = 1L;
    settings.rateLimitBurst = 2L;
    try (OpsServer server = start(settings)) {
      var stub = ProvenanceServiceGrpc.newBlockingStub(server.channel());
      stub.whereIsOne(KNOWN);
      stub.whereIsOne(KNOWN);
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> stub.whereIsOne(KNOWN));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(
          e.getStatus()
              .getDescription()
              .startsWith("rate limit of 1 calls/s (burst 2) exceeded for 127.0.0.1"),
          e.getStatus().getDescription());
      long pushback = Long.parseLong(e.getTrailers().get(PUSHBACK));
      assertTrue(pushback > 0 && pushback <= 1000, "pushback " + pushback);
      assertEquals(
          ServingStatus.SERVING,
          HealthGrpc.newBlockingStub(server.channel())
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus());
      Thread.sleep(pushback + 50);
      assertEquals(swhid("rev", "03"), stub.whereIsOne(KNOWN).getAnchor());
    }
  }

  /**
   * Guessing tokens costs calls of the address's rate limit: once spent, the guesser gets
   * RESOURCE_EXHAUSTED.
   */
  @Test
  void refusedTokensCountAgainstTheRateLimit() throws Exception {
    Settings settings = new Settings();
    settings.authTokenFile =
        java.nio.file.Files.writeString(directory.resolve("tokens"), "webapp s3cret-1\n");
    settings.rateLimit = 1L;
    settings.rateLimitBurst = 2L;
    try (OpsServer server = start(settings)) {
      var guesser =
          ProvenanceServiceGrpc.newBlockingStub(server.channel())
              .withInterceptors(bearer("guess-1"));
      for (int i = 0; i < 2; i++) {
        assertEquals(
            Status.Code.UNAUTHENTICATED,
            assertThrows(StatusRuntimeException.class, () -> guesser.whereIsOne(KNOWN))
                .getStatus()
                .getCode());
      }
      StatusRuntimeException limited =
          assertThrows(StatusRuntimeException.class, () -> guesser.whereIsOne(KNOWN));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, limited.getStatus().getCode());
      assertTrue(
          limited.getStatus().getDescription().contains("exceeded for 127.0.0.1"),
          limited.getStatus().getDescription());
      assertTrue(Long.parseLong(limited.getTrailers().get(PUSHBACK)) > 0);
      // an authenticated client has a bucket of its own
      assertEquals(
          swhid("rev", "03"),
          ProvenanceServiceGrpc.newBlockingStub(server.channel())
              .withInterceptors(bearer("s3cret-1"))
              .whereIsOne(KNOWN)
              .getAnchor());
    }
  }

  /**
   * Behind the ingress every call comes from an ingress pod: the trusted forwarded header names the
   * client.
   */
  @Test
  void rateLimitKeyedOnTheTrustedForwardedHeader() throws Exception {
    Settings settings = new Settings();
    settings.rateLimit = 1L;
    settings.rateLimitBurst = 1L;
    settings.rateLimitKeyHeader = "X-Forwarded-For";
    try (OpsServer server = start(settings)) {
      var first =
          ProvenanceServiceGrpc.newBlockingStub(server.channel())
              .withInterceptors(header("x-forwarded-for", "198.51.100.7, 203.0.113.1"));
      first.whereIsOne(KNOWN);
      StatusRuntimeException limited =
          assertThrows(StatusRuntimeException.class, () -> first.whereIsOne(KNOWN));
      assertTrue(
          limited.getStatus().getDescription().contains("exceeded for 203.0.113.1;"),
          limited.getStatus().getDescription());
      // another client (the forged first entry does not matter), and a direct one
      ProvenanceServiceGrpc.newBlockingStub(server.channel())
          .withInterceptors(header("x-forwarded-for", "198.51.100.7, 203.0.113.2"))
          .whereIsOne(KNOWN);
      ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereIsOne(KNOWN);
    }
  }

  private static io.grpc.ClientInterceptor bearer(String token) {
    return header("authorization", "Bearer " + token);
  }

  private static io.grpc.ClientInterceptor header(String name, String value) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
    return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  private static int countResults(Iterator<WhereIsOneResult> results) {
    int count = 0;
    while (results.hasNext()) {
      results.next();
      count++;
    }
    return count;
  }
}
