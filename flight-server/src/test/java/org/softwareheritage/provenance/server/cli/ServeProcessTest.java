package org.softwareheritage.provenance.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
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
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.impl.Flight;
import org.apache.arrow.flight.impl.FlightServiceGrpc;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;

/**
 * {@code serve} as an operator runs it: a separate JVM on the embedded example database, one
 * startup line, health and reflection, SIGTERM draining in-flight calls then exiting 0 within the
 * drain timeout whatever clients do, and an OutOfMemoryError in a stream ending only its call.
 */
class ServeProcessTest {
  private static final Pattern READY =
      Pattern.compile(
          "loaded the example database: nodes=24 .* rows; loaded in \\d+ ms, indexed in \\d+ ms; .*"
              + " of native memory .*; serving on 127\\.0\\.0\\.1:(\\d+)");

  private Process process;
  private final List<String> log = new ArrayList<>();
  private ManagedChannel channel;
  private Thread logReader;
  private int port;

  /** Starts {@code serve} as the chart does, its heap aside: a 30 s drain. */
  private void start() throws Exception {
    start("-Xmx512m", "--drain-timeout", "PT30S");
  }

  /**
   * Starts {@code serve} in a JVM of heap {@code maxHeap} with {@code options}, instead of the
   * process started before.
   */
  private void start(String maxHeap, String... options) throws Exception {
    start(List.of(maxHeap), options);
  }

  /** Starts {@code serve} in a JVM with {@code memory} flags and {@code options}. */
  private void start(List<String> memory, String... options) throws Exception {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                System.getProperty("java.class.path"),
                ProvenanceServerCommand.class.getName(),
                "serve",
                "--bind",
                "127.0.0.1:0"));
    command.addAll(4, memory);
    command.addAll(List.of(options));
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader output =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = new CompletableFuture<>();
    logReader =
        new Thread(
            () -> {
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
    this.port = port.get(60, TimeUnit.SECONDS);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", this.port).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  void servesHealthReflectionAndAnswers() throws Exception {
    start();
    HealthCheckResponse overall =
        HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, overall.getStatus());
    HealthCheckResponse service =
        HealthGrpc.newBlockingStub(channel)
            .check(
                HealthCheckRequest.newBuilder()
                    .setService("swh.provenance.ProvenanceService")
                    .build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, service.getStatus());

    assertTrue(reflectedServices().contains("swh.provenance.ProvenanceService"));

    WhereIsOneResult result =
        ProvenanceServiceGrpc.newBlockingStub(channel)
            .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build());
    assertEquals(swhid("rev", "03"), result.getAnchor());
    assertEquals("https://example.com/swh/graph2", result.getOrigin());
  }

  @Test
  void sigtermDrainsInFlightCallsAndExitsZero() throws Exception {
    start();
    WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
    for (int i = 0; i < 200_000; i++) {
      request.addSwhid(swhid("cnt", "01"));
    }
    Iterator<WhereIsOneResult> results =
        ProvenanceServiceGrpc.newBlockingStub(channel).whereAreOne(request.build());
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
      assertTrue(
          log.stream().anyMatch(line -> line.contains("shutting down: draining")),
          String.join("\n", log));
    }
  }

  /**
   * Clients that stop reading cannot hold the drain: when --drain-timeout passes, their calls are
   * ended (UNAVAILABLE, then reset) and the stream threads stop with them; the process exits 0.
   */
  @Test
  void sigtermEndsWithinTheDrainTimeoutWhateverClientsDo() throws Exception {
    start("-Xmx512m", "--drain-timeout", "PT2S");
    ManagedChannel stalled =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .flowControlWindow(16 * 1024)
            .build();
    try {
      WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
      for (int i = 0; i < 100_000; i++) {
        request.addSwhid(swhid("cnt", "01"));
      }
      ClientCall<WhereAreOneRequest, WhereIsOneResult> whereAreOne =
          stalled.newCall(ProvenanceServiceGrpc.getWhereAreOneMethod(), CallOptions.DEFAULT);
      whereAreOne.start(new ClientCall.Listener<>() {}, new Metadata());
      whereAreOne.sendMessage(request.build());
      whereAreOne.halfClose();
      String ticket =
          "{\"provenance\": ["
              + String.join(
                  ", ", java.util.Collections.nCopies(250_000, "\"" + swhid("cnt", "01") + "\""))
              + "]}";
      ClientCall<Flight.Ticket, Flight.FlightData> doGet =
          stalled.newCall(FlightServiceGrpc.getDoGetMethod(), CallOptions.DEFAULT);
      doGet.start(new ClientCall.Listener<>() {}, new Metadata());
      doGet.sendMessage(
          Flight.Ticket.newBuilder().setTicket(ByteString.copyFromUtf8(ticket)).build());
      doGet.halfClose();
      Thread.sleep(1000);

      long start = System.nanoTime();
      process.toHandle().destroy(); // SIGTERM
      assertTrue(
          process.waitFor(2 + 8, TimeUnit.SECONDS),
          "the drain outlived --drain-timeout by more than 8 s");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(0, process.exitValue());
      logReader.join(10_000);
      synchronized (log) {
        assertTrue(
            log.stream().anyMatch(line -> line.contains("WhereAreOne UNAVAILABLE")),
            String.join("\n", log));
        assertTrue(
            log.stream().anyMatch(line -> line.contains("DoGet UNAVAILABLE")),
            String.join("\n", log));
        assertTrue(log.stream().noneMatch(line -> line.contains("ERROR")), String.join("\n", log));
      }
      assertTrue(millis >= 2000, millis + " ms: the drain did not wait for the calls");
    } finally {
      stalled.shutdownNow();
    }
  }

  /**
   * An OutOfMemoryError in a Flight stream thread ends its call with RESOURCE_EXHAUSTED at once
   * (the thread used to die and leave the call open until max-call-time), and the server goes on.
   * The heap holds the ticket (16 MB, twice while gRPC hands it over) but not its SWHIDs parsed (71
   * bytes each, growing by doubling), and the memory budget is out of the way.
   */
  @Test
  void outOfMemoryInAStreamEndsItsCall() throws Exception {
    start(List.of("-Xmx64m", "-XX:MaxDirectMemorySize=256m"), "--call-memory-budget", "1000000000");
    String ticket =
        "{\"provenance\": ["
            + String.join(
                ", ", java.util.Collections.nCopies(300_000, "\"" + swhid("cnt", "01") + "\""))
            + "]}";
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", port)).build()) {
      long start = System.nanoTime();
      FlightRuntimeException e =
          assertThrows(
              FlightRuntimeException.class,
              () -> {
                try (FlightStream stream =
                    client.getStream(new Ticket(ticket.getBytes(StandardCharsets.UTF_8)))) {
                  while (stream.next()) {
                    stream.getRoot();
                  }
                }
              });
      assertEquals(FlightStatusCode.RESOURCE_EXHAUSTED, e.status().code(), e.toString());
      assertEquals(
          "the server ran out of memory for this call; retry later", e.status().description());
      assertTrue(System.nanoTime() - start < 30_000_000_000L, "the call waited for max-call-time");
    }
    WhereIsOneResult result =
        ProvenanceServiceGrpc.newBlockingStub(channel)
            .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build());
    assertEquals(swhid("rev", "03"), result.getAnchor());
  }

  private List<String> reflectedServices() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    names.complete(
                        response.getListServicesResponse().getServiceList().stream()
                            .map(ServiceResponse::getName)
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    names.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    return names.get(10, TimeUnit.SECONDS);
  }
}
