package org.softwareheritage.provenance.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;

/**
 * {@code serve} as an operator runs it: a separate JVM on the embedded example database, one
 * startup line, health and reflection, and SIGTERM draining in-flight calls then exiting 0.
 */
class ServeProcessTest {
  private static final Pattern READY = Pattern.compile(
      "loaded the example database: nodes=24 .* rows; loaded in \\d+ ms, indexed in \\d+ ms; .* of native memory .*; serving on 127\\.0\\.0\\.1:(\\d+)");

  private Process process;
  private final List<String> log = new ArrayList<>();
  private ManagedChannel channel;
  private Thread logReader;

  @BeforeEach
  void start() throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    process = new ProcessBuilder(java, "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), ProvenanceServerCommand.class.getName(),
        "serve", "--bind", "127.0.0.1:0")
        .redirectErrorStream(true).start();
    BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = new CompletableFuture<>();
    logReader = new Thread(() -> {
      try {
        for (String line; (line = output.readLine()) != null; ) {
          synchronized (log) {
            log.add(line);
          }
          Matcher ready = READY.matcher(line);
          if (ready.find()) {
            port.complete(Integer.parseInt(ready.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
    });
    logReader.setDaemon(true);
    logReader.start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port.get(60, TimeUnit.SECONDS)).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  void servesHealthReflectionAndAnswers() throws Exception {
    HealthCheckResponse overall = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, overall.getStatus());
    HealthCheckResponse service = HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.newBuilder().setService("swh.provenance.ProvenanceService").build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, service.getStatus());

    assertTrue(reflectedServices().contains("swh.provenance.ProvenanceService"));

    WhereIsOneResult result = ProvenanceServiceGrpc.newBlockingStub(channel)
        .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build());
    assertEquals(swhid("rev", "03"), result.getAnchor());
    assertEquals("https://example.com/swh/graph2", result.getOrigin());
  }

  @Test
  void sigtermDrainsInFlightCallsAndExitsZero() throws Exception {
    WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
    for (int i = 0; i < 200_000; i++) {
      request.addSwhid(swhid("cnt", "01"));
    }
    Iterator<WhereIsOneResult> results = ProvenanceServiceGrpc.newBlockingStub(channel).whereAreOne(request.build());
    results.next();
    process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close its output
    int received = 1;
    while (results.hasNext()) {
      results.next();
      received++;
    }
    assertEquals(200_000, received);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "process did not stop");
    assertEquals(0, process.exitValue());
    logReader.join(10_000);
    synchronized (log) {
      assertTrue(log.stream().anyMatch(line -> line.contains("shutting down: draining")), String.join("\n", log));
    }
  }

  private List<String> reflectedServices() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
        new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse response) {
            names.complete(response.getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).toList());
          }

          @Override
          public void onError(Throwable t) {
            names.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    return names.get(10, TimeUnit.SECONDS);
  }
}
