package org.softwareheritage.provenance.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.impl.Flight;
import org.apache.arrow.flight.impl.FlightServiceGrpc;
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
import org.softwareheritage.provenance.server.testing.AccessLog;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.OpsServer;
import org.softwareheritage.provenance.server.testing.Settings;

/**
 * Clients that never read cannot lock others out: at max-call-time the server ends their calls
 * whatever they do, and everything the calls held (permits, Arrow memory, threads) comes back. Each
 * call also reaches the access log. One client cannot take every permit.
 */
class LockOutTest {
  /** Long enough for a loaded CI box to start every stalled call before the first ends. */
  private static final Duration MAX_CALL_TIME = Duration.ofSeconds(5);

  /**
   * How long, beyond max-call-time and the reset grace, the server may take to free everything (a
   * loaded CI box).
   */
  private static final Duration MARGIN = Duration.ofSeconds(15);

  private static final WhereIsOneRequest KNOWN =
      WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build();

  @TempDir Path directory;

  /** A client that reads nothing: a 16 KiB receive window, and no message ever requested. */
  private static ManagedChannel nonReadingChannel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .flowControlWindow(16 * 1024)
        .build();
  }

  /** Starts {@code request} on {@code method} and never reads the answer. */
  private static <ReqT, RespT> ClientCall<ReqT, RespT> startUnread(
      ManagedChannel channel, io.grpc.MethodDescriptor<ReqT, RespT> method, ReqT request) {
    ClientCall<ReqT, RespT> call = channel.newCall(method, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.sendMessage(request);
    call.halfClose();
    return call;
  }

  @Test
  void whereAreOneStreamsNeverReadGiveTheirPermitsBackAtMaxCallTime() throws Exception {
    Settings settings = new Settings();
    settings.maxCallTime = MAX_CALL_TIME;
    settings.maxConcurrentCalls = 16;
    settings.maxConcurrentCallsPerClient = 16;
    settings.rateLimitKeyHeader = "x-forwarded-for";
    WhereAreOneRequest thousands =
        WhereAreOneRequest.newBuilder()
            .addAllSwhid(Collections.nCopies(3_000, swhid("cnt", "01")))
            .build();
    try (AccessLog log = new AccessLog();
        OpsServer server =
            OpsServer.start(
                ExampleDirectory.write(directory.resolve("db")), settings.build(), Map.of())) {
      var others = otherClient(server);
      others.whereIsOne(KNOWN);
      ManagedChannel stalled = nonReadingChannel(server.port());
      try {
        for (int i = 0; i < 20; i++) {
          startUnread(stalled, ProvenanceServiceGrpc.getWhereAreOneMethod(), thousands);
        }
        awaitAllPermitsTaken(log, 4);
        assertRefused(() -> others.whereIsOne(KNOWN));

        long ended = awaitServed(() -> others.whereIsOne(KNOWN));
        assertTrue(
            ended < MAX_CALL_TIME.plus(CallGuard.RESET_GRACE).plus(MARGIN).toMillis(),
            ended + " ms");
        // in the access log when ended: DEADLINE_EXCEEDED, or OK if the whole answer was queued
        List<String> whereAreOne =
            log.await(
                line ->
                    line.startsWith("swh.provenance.ProvenanceService/WhereAreOne ")
                        && !line.contains(" RESOURCE_EXHAUSTED "),
                16,
                Duration.ofSeconds(5));
        assertEquals(16, whereAreOne.size(), String.join("\n", log.lines()));
        awaitTrue(
            () -> server.ops().calls().running() == 0,
            () -> server.ops().calls().running() + " calls still running");
        assertEquals(0, server.ops().callMemory().reserved());
      } finally {
        stalled.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void flightStreamsNeverReadReleaseTheirMemoryAndThreadsAtMaxCallTime() throws Exception {
    Settings settings = new Settings();
    settings.maxCallTime = MAX_CALL_TIME;
    settings.maxConcurrentCalls = 6;
    settings.maxConcurrentCallsPerClient = 6;
    settings.rateLimitKeyHeader = "x-forwarded-for";
    try (AccessLog log = new AccessLog();
        OpsServer server =
            OpsServer.start(
                ExampleDirectory.write(directory.resolve("db")),
                settings.build(),
                Map.of(),
                1024)) {
      // the client's own memory is not under test: what it holds of calls the server reset is its
      // business
      BufferAllocator clientMemory = new RootAllocator();
      var others = otherClient(server);
      others.whereIsOne(KNOWN);
      long idle = server.allocator().getAllocatedMemory();
      ManagedChannel stalled = nonReadingChannel(server.port());
      FlightClient exchanger =
          FlightGrpcUtils.createFlightClientWithSharedChannel(clientMemory, stalled);
      try {
        String ticket =
            "{\"provenance\": ["
                + String.join(", ", Collections.nCopies(20_000, "\"" + swhid("cnt", "01") + "\""))
                + "]}";
        for (int i = 0; i < 4; i++) {
          startUnread(
              stalled,
              FlightServiceGrpc.getDoGetMethod(),
              Flight.Ticket.newBuilder()
                  .setTicket(ByteString.copyFrom(ticket, StandardCharsets.UTF_8))
                  .build());
        }
        for (int i = 0; i < 3; i++) {
          exchangeWithoutEnding(exchanger, clientMemory, 10_000);
        }
        awaitAllPermitsTaken(log, 1);
        assertRefused(() -> others.whereIsOne(KNOWN));
        assertTrue(
            server.allocator().getAllocatedMemory() > idle,
            "the stalled calls hold no Arrow memory");

        long ended = awaitServed(() -> others.whereIsOne(KNOWN));
        assertTrue(
            ended < MAX_CALL_TIME.plus(CallGuard.RESET_GRACE).plus(MARGIN).toMillis(),
            ended + " ms");
        assertEquals(
            6,
            log.await(
                    line ->
                        line.startsWith("arrow.flight.protocol.FlightService/Do")
                            && line.contains(" DEADLINE_EXCEEDED "),
                    6,
                    Duration.ofSeconds(5))
                .size(),
            String.join("\n", log.lines()));
        awaitTrue(
            () -> server.allocator().getAllocatedMemory() == idle,
            () ->
                "Arrow memory of ended calls not released: "
                    + server.allocator().toVerboseString());
        awaitTrue(
            () -> streamThreads().isEmpty(),
            () -> "stream threads still at work: " + streamThreads());
        awaitTrue(
            () -> server.ops().calls().running() == 0,
            () -> server.ops().calls().running() + " calls still running");
        assertEquals(0, server.ops().callMemory().reserved());
      } finally {
        stalled.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void oneClientCannotTakeEveryPermit() throws Exception {
    Settings settings = new Settings();
    settings.maxConcurrentCalls = 8;
    settings.maxConcurrentCallsPerClient = 2;
    settings.rateLimitKeyHeader = "x-forwarded-for";
    WhereAreOneRequest thousands =
        WhereAreOneRequest.newBuilder()
            .addAllSwhid(Collections.nCopies(3_000, swhid("cnt", "01")))
            .build();
    try (AccessLog log = new AccessLog();
        OpsServer server =
            OpsServer.start(
                ExampleDirectory.write(directory.resolve("db")), settings.build(), Map.of())) {
      ManagedChannel stalled = nonReadingChannel(server.port());
      try {
        List<ClientCall<WhereAreOneRequest, WhereIsOneResult>> hogs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          hogs.add(startUnread(stalled, ProvenanceServiceGrpc.getWhereAreOneMethod(), thousands));
        }
        awaitAllPermitsTaken(log, 1);
        var sameClient = ProvenanceServiceGrpc.newBlockingStub(stalled);
        StatusRuntimeException refused = assertRefused(() -> sameClient.whereIsOne(KNOWN));
        assertEquals(
            "too many concurrent calls from 127.0.0.1 (the server runs at most 2 per client); retry"
                + " later",
            refused.getStatus().getDescription());
        // another client on the same connection, as the ingress forwards calls: its address is the
        // header's last entry
        assertEquals(
            swhid("rev", "03"),
            sameClient
                .withInterceptors(forwardedFor("203.0.113.9, 10.0.0.7"))
                .whereIsOne(KNOWN)
                .getAnchor());
        assertEquals(swhid("rev", "03"), otherClient(server).whereIsOne(KNOWN).getAnchor());
        hogs.forEach(call -> call.cancel("done", null));
      } finally {
        stalled.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Sends {@code count} SWHIDs over DoExchange in batches of 1000 (few enough for the server's
   * receive window: the client's writes never wait), then neither sends more, nor says it is done,
   * nor reads the answer.
   */
  private static void exchangeWithoutEnding(
      FlightClient client, BufferAllocator allocator, int count) {
    FlightClient.ExchangeReaderWriter exchange =
        client.doExchange(
            FlightDescriptor.command(
                "{\"exchange\": \"provenance\"}".getBytes(StandardCharsets.UTF_8)));
    try (VectorSchemaRoot request =
        VectorSchemaRoot.create(
            new Schema(List.of(Field.notNullable("swhid", ArrowType.Utf8.INSTANCE))), allocator)) {
      exchange.getWriter().start(request);
      VarCharVector column = (VarCharVector) request.getVector("swhid");
      byte[] known = swhid("cnt", "01").getBytes(StandardCharsets.US_ASCII);
      for (int start = 0; start < count; start += 1000) {
        request.allocateNew();
        for (int i = 0; i < 1000; i++) {
          column.setSafe(i, known);
        }
        request.setRowCount(1000);
        exchange.getWriter().putNext();
      }
    }
  }

  /**
   * A stub for another client than the non-reading one: the ingress forwards its calls from
   * 10.0.0.9.
   */
  private static ProvenanceServiceGrpc.ProvenanceServiceBlockingStub otherClient(OpsServer server) {
    return ProvenanceServiceGrpc.newBlockingStub(server.channel())
        .withInterceptors(forwardedFor("10.0.0.9"));
  }

  private static io.grpc.ClientInterceptor forwardedFor(String addresses) {
    Metadata forwarded = new Metadata();
    forwarded.put(Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER), addresses);
    return MetadataUtils.newAttachHeadersInterceptor(forwarded);
  }

  /** Names of the threads running a Flight stream's code now. */
  private static List<String> streamThreads() {
    List<String> busy = new ArrayList<>();
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              for (StackTraceElement frame : stack) {
                if (frame
                    .getClassName()
                    .startsWith("org.softwareheritage.provenance.server.flight.")) {
                  busy.add(thread.getName());
                  return;
                }
              }
            });
    return busy;
  }

  private interface Call {
    Object run();
  }

  /**
   * Waits until the stalled calls hold every permit they can: {@code beyond} more than that were
   * started, and that many have been refused.
   */
  private static void awaitAllPermitsTaken(AccessLog log, int beyond) throws InterruptedException {
    awaitTrue(
        () ->
            log.lines().stream().filter(line -> line.contains("RESOURCE_EXHAUSTED")).count()
                == beyond,
        () -> "not " + beyond + " calls refused: " + log.lines());
  }

  /** The RESOURCE_EXHAUSTED that {@code call} gets. */
  private static StatusRuntimeException assertRefused(Call call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }

  /** Milliseconds until {@code call} is served again. */
  private static long awaitServed(Call call) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + MAX_CALL_TIME.plus(CallGuard.RESET_GRACE).plus(MARGIN).toNanos();
    while (true) {
      try {
        call.run();
        return (System.nanoTime() - start) / 1_000_000;
      } catch (StatusRuntimeException e) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(
            System.nanoTime() < deadline, "the stalled calls kept their permits: " + e.getStatus());
        Thread.sleep(50);
      }
    }
  }

  private static void awaitTrue(
      java.util.function.BooleanSupplier condition, java.util.function.Supplier<String> message)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, message);
      Thread.sleep(50);
    }
  }
}
