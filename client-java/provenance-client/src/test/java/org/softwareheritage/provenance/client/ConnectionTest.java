package org.softwareheritage.provenance.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.softwareheritage.provenance.server.testing.Golden.GRAPH2;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.server.testing.SelfSignedCertificate;
import org.softwareheritage.provenance.swhid.Swhid;

/** Retries while the server restarts, and TLS with a self-signed certificate. */
class ConnectionTest {
  @TempDir static Path directory;

  private static Path database;
  private static final Swhid CONTENT = Swhid.parse(swhid("cnt", "01"));

  @BeforeAll
  static void writeDatabase() throws Exception {
    database = ExampleDirectory.write(directory.resolve("db"));
  }

  @Test
  void callSucceedsWhenTheServerComesBackOnItsPort() throws Exception {
    RunningServer first = RunningServer.start(database);
    int port = first.port();
    try (ProvenanceClient client =
        ProvenanceClient.builder()
            .target("127.0.0.1:" + port)
            .retry(20, Duration.ofMillis(500), Duration.ofSeconds(1))
            .build()) {
      assertEquals(Optional.of(GRAPH2), client.whereIs(CONTENT).origin());
      first.close();
      CompletableFuture<RunningServer> restarted =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  Thread.sleep(700);
                  return RunningServer.start(database, port, FlightOptions.DEFAULT, builder -> {});
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try {
        long start = System.nanoTime();
        List<ProvenanceResult> results = client.whereAre(List.of(CONTENT, CONTENT));
        assertEquals(2, results.size());
        assertEquals(Optional.of(GRAPH2), results.get(0).origin());
        assertEquals(
            true,
            System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(500),
            "the call was answered by the restarted server");
        assertEquals(Optional.of(GRAPH2), client.whereIs(CONTENT).origin());
      } finally {
        restarted.get(30, TimeUnit.SECONDS).close();
      }
    }
  }

  @Test
  void withoutRetryTheStoppedServerIsUnavailable() throws Exception {
    RunningServer server = RunningServer.start(database);
    try (ProvenanceClient client =
        ProvenanceClient.builder().target("127.0.0.1:" + server.port()).noRetry().build()) {
      client.whereIs(CONTENT);
      server.close();
      ProvenanceException e =
          assertThrows(ProvenanceException.class, () -> client.whereIs(CONTENT));
      assertEquals(Status.Code.UNAVAILABLE, e.status().getCode());
    }
  }

  @Test
  void tlsWithTheServersCertificateAsCa() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.write(directory);
    try (RunningServer server =
        RunningServer.start(
            database,
            FlightOptions.DEFAULT,
            builder -> {
              try {
                builder.sslContext(
                    GrpcSslContexts.forServer(
                            certificate.certificate().toFile(), certificate.privateKey().toFile())
                        .build());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            })) {
      try (ProvenanceClient client =
          ProvenanceClient.builder()
              .target("localhost:" + server.port())
              .tls(certificate.certificate())
              .bearerToken("over-tls")
              .build()) {
        assertEquals(Optional.of(GRAPH2), client.whereIs(CONTENT).origin());
      }
      try (ProvenanceClient untrusting =
          ProvenanceClient.builder().target("localhost:" + server.port()).tls().noRetry().build()) {
        ProvenanceException e =
            assertThrows(ProvenanceException.class, () -> untrusting.whereIs(CONTENT));
        assertEquals(
            Status.Code.UNAVAILABLE,
            e.status().getCode(),
            "a self-signed certificate is not trusted by default");
      }
      try (ProvenanceClient plaintext =
          ProvenanceClient.builder()
              .target("localhost:" + server.port())
              .noRetry()
              .deadline(Duration.ofSeconds(5))
              .build()) {
        ProvenanceException e =
            assertThrows(ProvenanceException.class, () -> plaintext.whereIs(CONTENT));
        assertEquals(Status.Code.UNAVAILABLE, e.status().getCode());
      }
    }
  }
}
