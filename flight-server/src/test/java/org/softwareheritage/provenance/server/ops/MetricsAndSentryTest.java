package org.softwareheritage.provenance.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.server.testing.CapturingHttpServer;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.FailingService;
import org.softwareheritage.provenance.server.testing.OpsServer;
import org.softwareheritage.provenance.server.testing.Settings;

/**
 * Metrics reach a real UDP statsd listener with upstream's names and tags (every call, unary too:
 * requests_total, frames_total, response_wall_time_ms, streaming_wall_time_ms; path, numeric HTTP
 * status, grpc_status) and the Prometheus scrape, for gRPC and Flight calls; INTERNAL errors and
 * load failures reach a local Sentry ingest once each, client errors do not.
 */
class MetricsAndSentryTest {
  private static final String PREFIX = "swh_provenance_grpc_server.";
  private static final String WHERE_IS_ONE = "/swh.provenance.ProvenanceService/WhereIsOne";

  @TempDir Path directory;

  @Test
  void statsdAndPrometheusCountEveryCallByPathAndStatus() throws Exception {
    Path database = ExampleDirectory.write(directory.resolve("db"));
    Settings settings = new Settings();
    settings.metricsBind = new InetSocketAddress("127.0.0.1", 0);
    try (DatagramSocket statsd = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        OpsServer server =
            OpsServer.start(
                database,
                settings.build(),
                Map.of(
                    "STATSD_HOST",
                    "127.0.0.1",
                    "STATSD_PORT",
                    Integer.toString(statsd.getLocalPort()),
                    "STATSD_TAGS",
                    "env:test,host:${HOSTNAME_FOR_TEST},pod:$POD_FOR_TEST",
                    "HOSTNAME_FOR_TEST",
                    "node-7",
                    "POD_FOR_TEST",
                    "provenance-0"));
        BufferAllocator allocator = new RootAllocator();
        FlightClient flight =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", server.port()))
                .build()) {
      var stub = ProvenanceServiceGrpc.newBlockingStub(server.channel());
      stub.whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build());
      assertEquals(
          Status.Code.INVALID_ARGUMENT,
          assertThrows(
                  StatusRuntimeException.class,
                  () ->
                      stub.whereIsOne(
                          WhereIsOneRequest.newBuilder().setSwhid("swh:1:cnt:bad").build()))
              .getStatus()
              .getCode());
      stub.whereAreOne(WhereAreOneRequest.newBuilder().addSwhid(swhid("cnt", "01")).build())
          .forEachRemaining(r -> {});
      flight.listFlights(Criteria.ALL).forEach(info -> {});

      awaitLines(
          statsd,
          List.of(
              metric("requests_total:1\\|c", WHERE_IS_ONE, "OK"),
              metric("requests_total:1\\|c", WHERE_IS_ONE, "INVALID_ARGUMENT"),
              metric("frames_total:2\\|c", WHERE_IS_ONE, "OK"),
              metric("frames_total:1\\|c", WHERE_IS_ONE, "INVALID_ARGUMENT"),
              metric("response_wall_time_ms:[0-9.]+\\|ms", WHERE_IS_ONE, "OK"),
              metric("streaming_wall_time_ms:[0-9.]+\\|ms", WHERE_IS_ONE, "OK"),
              metric(
                  "streaming_wall_time_ms:[0-9.]+\\|ms",
                  "/swh.provenance.ProvenanceService/WhereAreOne",
                  "OK"),
              metric("frames_total:2\\|c", "/swh.provenance.ProvenanceService/WhereAreOne", "OK"),
              metric(
                  "requests_total:1\\|c", "/arrow.flight.protocol.FlightService/ListFlights", "OK"),
              metric(
                  "frames_total:7\\|c", "/arrow.flight.protocol.FlightService/ListFlights", "OK")));

      String scrape =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.ops().metricsPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      for (String expected :
          List.of(
              "swh_provenance_grpc_server_requests_total{grpc_status=\"OK\",path=\""
                  + WHERE_IS_ONE
                  + "\",status=\"200\"} 1.0",
              "swh_provenance_grpc_server_frames_total{grpc_status=\"OK\",path=\""
                  + WHERE_IS_ONE
                  + "\",status=\"200\"} 2.0",
              "swh_provenance_grpc_server_response_wall_time_seconds_count{grpc_status=\"OK\",path=\""
                  + WHERE_IS_ONE
                  + "\",status=\"200\"} 1",
              "swh_provenance_grpc_server_response_wall_time_seconds_bucket{grpc_status=\"OK\",path=\""
                  + WHERE_IS_ONE
                  + "\",status=\"200\",le=\"+Inf\"} 1",
              "swh_provenance_grpc_server_table_rows{table=\"nodes\"} 24.0",
              "swh_provenance_grpc_server_arrow_allocated_bytes ",
              "swh_provenance_grpc_server_database_mapped_bytes 0.0",
              "swh_provenance_grpc_server_resident_anonymous_bytes ",
              "swh_provenance_grpc_server_resident_file_bytes ",
              "swh_provenance_grpc_server_database_load_seconds ",
              "jvm_memory_used_bytes")) {
        assertTrue(scrape.contains(expected), expected + " missing from the scrape:\n" + scrape);
      }
    }
  }

  @Test
  void internalErrorsAndLoadFailuresReachSentryClientErrorsDoNot() throws Exception {
    Path database = ExampleDirectory.write(directory.resolve("db"));
    try (CapturingHttpServer sentry = new CapturingHttpServer()) {
      Map<String, String> env =
          Map.of(
              "SWH_SENTRY_DSN", "http://public@127.0.0.1:" + sentry.port() + "/42",
              "SWH_SENTRY_ENVIRONMENT", "staging-test",
              "SWH_SENTRY_DISABLE_LOGGING_EVENTS", "true");
      try (OpsServer server =
          OpsServer.listen(
              new Settings().build(),
              env,
              builder -> builder.addService(FailingService.definition()))) {
        server.load(database);
        var stub = ProvenanceServiceGrpc.newBlockingStub(server.channel());
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.whereIsOne(WhereIsOneRequest.newBuilder().setSwhid("swh:1:cnt:bad").build()));
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.whereIsOne(
                    WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "99")).build()));
        StatusRuntimeException internal =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    ClientCalls.blockingUnaryCall(
                        server.channel(),
                        FailingService.FAIL,
                        CallOptions.DEFAULT,
                        WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build()));
        assertEquals(Status.Code.INTERNAL, internal.getStatus().getCode());
        assertTrue(
            !internal.getStatus().getDescription().contains("forced failure"),
            "the cause stays on the server");

        String event = awaitRequest(sentry, body -> body.contains("forced failure"));
        assertTrue(event.startsWith("/api/42/envelope/"), event);
        assertTrue(event.contains("test.Failing/Fail"), "method missing: " + event);
        assertTrue(
            event.contains("swhid: \\\"" + swhid("cnt", "01") + "\\\""),
            "request summary missing: " + event);
        assertTrue(event.contains("\"environment\":\"staging-test\""), event);
        assertTrue(event.contains("\"release\":\"swh-provenance@"), event);
        Thread.sleep(500);
        assertEquals(
            1,
            sentry.requests().size(),
            "only the INTERNAL error is reported: " + sentry.requests());

        Files.delete(database.resolve("nodes").toFile().listFiles()[0].toPath());
        assertThrows(Exception.class, () -> server.load(database));
        String loadFailure = awaitRequest(sentry, body -> body.contains("\"phase\":\"load\""));
        assertTrue(loadFailure.contains("nodes"), loadFailure);
      }
    }
  }

  /**
   * A DogStatsD line whose name and value match {@code value} (a regex, e.g. {@code
   * requests_total:1\\|c}) carrying the STATSD_TAGS of the test (variables substituted), the call's
   * path, the HTTP status 200 and the gRPC status.
   */
  private static Predicate<String> metric(String value, String path, String grpcStatus) {
    Pattern pattern = Pattern.compile(Pattern.quote(PREFIX) + value + "\\|#(.*)");
    return line -> {
      Matcher matcher = pattern.matcher(line);
      return matcher.matches()
          && Set.of(matcher.group(1).split(","))
              .containsAll(
                  Set.of(
                      "env:test",
                      "host:node-7",
                      "pod:provenance-0",
                      "path:" + path,
                      "status:200",
                      "grpc_status:" + grpcStatus));
    };
  }

  /** Reads datagrams (each may hold several lines) until every expectation has matched a line. */
  private static void awaitLines(DatagramSocket socket, List<Predicate<String>> expectations)
      throws Exception {
    List<String> lines = new ArrayList<>();
    List<Predicate<String>> pending = new ArrayList<>(expectations);
    long deadline = System.nanoTime() + 10_000_000_000L;
    socket.setSoTimeout(200);
    byte[] buffer = new byte[65536];
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
      } catch (SocketTimeoutException e) {
        continue;
      }
      for (String line :
          new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8).split("\n")) {
        lines.add(line);
        pending.removeIf(expectation -> expectation.test(line));
      }
    }
    assertTrue(
        pending.isEmpty(),
        pending.size() + " expected lines not received; got:\n" + String.join("\n", lines));
  }

  private static String awaitRequest(CapturingHttpServer server, Predicate<String> matching)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (String request : server.requests()) {
        if (matching.test(request)) {
          return request;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no such request; got " + server.requests());
  }
}
