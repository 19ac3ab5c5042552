package org.softwareheritage.provenance.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
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
 * Health while loading and serving, and the red button (file and admin endpoint, running calls
 * included) without restart.
 */
class HealthAndMaintenanceTest {
  private static final WhereIsOneRequest KNOWN =
      WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build();

  @TempDir Path directory;

  @Test
  void notServingWhileLoadingThenServing() throws Exception {
    Path database = ExampleDirectory.write(directory.resolve("db"));
    try (OpsServer server = OpsServer.listen(new Settings().build(), Map.of(), builder -> {})) {
      assertHealth(server, ServingStatus.NOT_SERVING);
      StatusRuntimeException loading =
          assertThrows(
              StatusRuntimeException.class,
              () -> ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereIsOne(KNOWN));
      assertEquals(Status.Code.UNAVAILABLE, loading.getStatus().getCode());
      assertEquals("the database is loading, retry later", loading.getStatus().getDescription());

      server.load(database);
      assertHealth(server, ServingStatus.SERVING);
      assertEquals(
          swhid("rev", "03"),
          ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereIsOne(KNOWN).getAnchor());
    }
  }

  @Test
  void maintenanceFileAndAdminSwitchWithoutRestart() throws Exception {
    Path database = ExampleDirectory.write(directory.resolve("db"));
    Path redButton = directory.resolve("maintenance");
    Path adminToken = Files.writeString(directory.resolve("admin-token"), "s3cret-admin\n");
    Settings settings = new Settings();
    settings.maintenanceFile = redButton;
    settings.adminTokenFile = adminToken;
    settings.metricsBind = new InetSocketAddress("127.0.0.1", 0);
    try (OpsServer server = OpsServer.start(database, settings.build(), Map.of())) {
      assertHealth(server, ServingStatus.SERVING);

      Files.writeString(redButton, "restoring the database, back at 10:00\n");
      awaitHealth(server, ServingStatus.NOT_SERVING);
      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class,
              () -> ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereIsOne(KNOWN));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
      assertEquals("restoring the database, back at 10:00", refused.getStatus().getDescription());

      Files.delete(redButton);
      awaitHealth(server, ServingStatus.SERVING);
      assertEquals(
          swhid("rev", "03"),
          ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereIsOne(KNOWN).getAnchor());

      HttpClient http = HttpClient.newHttpClient();
      URI maintenance =
          URI.create("http://127.0.0.1:" + server.ops().metricsPort() + "/maintenance");
      assertEquals(
          401,
          http.send(
                  HttpRequest.newBuilder(maintenance)
                      .PUT(HttpRequest.BodyPublishers.noBody())
                      .header("Authorization", "Bearer wrong")
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      assertHealth(server, ServingStatus.SERVING);
      assertEquals(
          200,
          http.send(
                  HttpRequest.newBuilder(maintenance)
                      .PUT(HttpRequest.BodyPublishers.noBody())
                      .header("Authorization", "Bearer s3cret-admin")
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      assertHealth(server, ServingStatus.NOT_SERVING);
      assertEquals(
          Status.Code.UNAVAILABLE,
          assertThrows(
                  StatusRuntimeException.class,
                  () -> ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereIsOne(KNOWN))
              .getStatus()
              .getCode());
      assertEquals(
          200,
          http.send(
                  HttpRequest.newBuilder(maintenance)
                      .DELETE()
                      .header("Authorization", "Bearer s3cret-admin")
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      assertHealth(server, ServingStatus.SERVING);
    }
  }

  /**
   * The red button is for attacks and wrong answers: calls running when it is pushed end too, with
   * UNAVAILABLE and the message for a client that reads, by a reset for one that does not.
   */
  @Test
  void theRedButtonEndsRunningCalls() throws Exception {
    Path database = ExampleDirectory.write(directory.resolve("db"));
    Path adminToken = Files.writeString(directory.resolve("admin-token"), "s3cret-admin\n");
    Settings settings = new Settings();
    settings.adminTokenFile = adminToken;
    settings.metricsBind = new InetSocketAddress("127.0.0.1", 0);
    WhereAreOneRequest many =
        WhereAreOneRequest.newBuilder()
            .addAllSwhid(java.util.Collections.nCopies(200_000, swhid("cnt", "01")))
            .build();
    try (OpsServer server = OpsServer.start(database, settings.build(), Map.of())) {
      Iterator<WhereIsOneResult> reading =
          ProvenanceServiceGrpc.newBlockingStub(server.channel()).whereAreOne(many);
      reading.next();
      ManagedChannel stalled =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port())
              .usePlaintext()
              .flowControlWindow(16 * 1024)
              .build();
      try {
        ClientCall<WhereAreOneRequest, WhereIsOneResult> unread =
            stalled.newCall(ProvenanceServiceGrpc.getWhereAreOneMethod(), CallOptions.DEFAULT);
        unread.start(new ClientCall.Listener<>() {}, new Metadata());
        unread.sendMessage(many);
        unread.halfClose();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.ops().calls().running() < 2) {
          assertTrue(System.nanoTime() < deadline, "the calls did not start");
          Thread.sleep(20);
        }

        HttpClient http = HttpClient.newHttpClient();
        URI maintenance =
            URI.create("http://127.0.0.1:" + server.ops().metricsPort() + "/maintenance");
        assertEquals(
            200,
            http.send(
                    HttpRequest.newBuilder(maintenance)
                        .PUT(HttpRequest.BodyPublishers.noBody())
                        .header("Authorization", "Bearer s3cret-admin")
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode());
        StatusRuntimeException ended =
            assertThrows(StatusRuntimeException.class, () -> reading.forEachRemaining(r -> {}));
        assertEquals(Status.Code.UNAVAILABLE, ended.getStatus().getCode());
        assertEquals(
            "the service is under maintenance, retry later", ended.getStatus().getDescription());

        deadline = System.nanoTime() + CallGuard.RESET_GRACE.plusSeconds(10).toNanos();
        while (server.ops().calls().running() > 0) {
          assertTrue(System.nanoTime() < deadline, "the unread call was not reset");
          Thread.sleep(50);
        }
      } finally {
        stalled.shutdownNow();
      }
    }
  }

  @Test
  void notServingOnceDraining() throws Exception {
    Path database = ExampleDirectory.write(directory.resolve("db"));
    try (OpsServer server = OpsServer.start(database, new Settings().build(), Map.of())) {
      assertHealth(server, ServingStatus.SERVING);
      var watch =
          HealthGrpc.newBlockingStub(server.channel())
              .watch(
                  HealthCheckRequest.newBuilder()
                      .setService(ProvenanceServiceGrpc.SERVICE_NAME)
                      .build());
      assertEquals(ServingStatus.SERVING, watch.next().getStatus());
      Thread drain =
          new Thread(
              () -> {
                try {
                  server.server().shutdown(java.time.Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      drain.start();
      assertEquals(ServingStatus.NOT_SERVING, watch.next().getStatus());
      drain.join();
    }
  }

  private static void assertHealth(OpsServer server, ServingStatus expected) {
    for (String service : new String[] {"", ProvenanceServiceGrpc.SERVICE_NAME}) {
      assertEquals(
          expected,
          HealthGrpc.newBlockingStub(server.channel())
              .check(HealthCheckRequest.newBuilder().setService(service).build())
              .getStatus(),
          "service '" + service + "'");
    }
  }

  private static void awaitHealth(OpsServer server, ServingStatus expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline
        && HealthGrpc.newBlockingStub(server.channel())
                .check(HealthCheckRequest.newBuilder().build())
                .getStatus()
            != expected) {
      Thread.sleep(50);
    }
    assertHealth(server, expected);
  }
}
