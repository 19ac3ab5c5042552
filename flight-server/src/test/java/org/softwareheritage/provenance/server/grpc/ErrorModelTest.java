package org.softwareheritage.provenance.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.server.testing.CapturingHttpServer;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.FailingService;
import org.softwareheritage.provenance.server.testing.OpsServer;
import org.softwareheritage.provenance.server.testing.Settings;

/**
 * One error model for gRPC and Flight: what a hostile client sends is INVALID_ARGUMENT with a short
 * message (never UNKNOWN or INTERNAL, never the whole value echoed), access-log lines stay short,
 * and only a genuine server fault reaches Sentry, once, even with ERROR log lines sent to Sentry.
 */
class ErrorModelTest {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final MethodDescriptor<byte[], byte[]> RAW_WHERE_IS_ONE =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(ProvenanceServiceGrpc.getWhereIsOneMethod().getFullMethodName())
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  @TempDir Path directory;

  @Test
  void malformedRequestsAreInvalidArgumentsWithShortMessagesAndOnlyFaultsReachSentryOnce()
      throws Exception {
    Path database = ExampleDirectory.write(directory.resolve("db"));
    ListAppender<ILoggingEvent> access = new ListAppender<>();
    access.start();
    Logger accessLogger = (Logger) LoggerFactory.getLogger("access");
    accessLogger.addAppender(access);
    try (CapturingHttpServer sentry = new CapturingHttpServer();
        OpsServer server =
            OpsServer.listen(
                new Settings().build(),
                Map.of("SWH_SENTRY_DSN", "http://public@127.0.0.1:" + sentry.port() + "/42"),
                builder -> builder.addService(FailingService.definition()));
        BufferAllocator allocator = new RootAllocator();
        FlightClient flight =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", server.port()))
                .build()) {
      server.load(database);
      var stub = ProvenanceServiceGrpc.newBlockingStub(server.channel());
      String huge = "swh:1:cnt:" + "x".repeat(16 * 1024);
      List<Executable> malformed =
          List.of(
              () -> stub.whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(huge).build()),
              // field 1 (swhid) holding the bytes C3 28: not UTF-8
              () ->
                  ClientCalls.blockingUnaryCall(
                      server.channel(),
                      RAW_WHERE_IS_ONE,
                      CallOptions.DEFAULT,
                      new byte[] {0x0a, 0x02, (byte) 0xc3, 0x28}),
              // field 1 announces 50 bytes, three follow
              () ->
                  ClientCalls.blockingUnaryCall(
                      server.channel(),
                      RAW_WHERE_IS_ONE,
                      CallOptions.DEFAULT,
                      new byte[] {0x0a, 0x32, 's', 'w', 'h'}),
              () -> read(flight, "{\"table\": \"nodes\", \"columns\": []}"),
              () -> read(flight, "{\"table\": \"" + "t".repeat(20_000) + "\"}"),
              () ->
                  FlightServiceGrpc.newBlockingStub(server.channel())
                      .getFlightInfo(Flight.FlightDescriptor.newBuilder().setTypeValue(0).build()));
      for (int round = 0; round < 10; round++) {
        for (Executable call : malformed) {
          assertInvalidArgument(call);
        }
      }
      StatusRuntimeException fault =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  ClientCalls.blockingUnaryCall(
                      server.channel(),
                      FailingService.FAIL,
                      CallOptions.DEFAULT,
                      WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build()));
      assertEquals(Status.Code.INTERNAL, fault.getStatus().getCode());

      awaitRequests(sentry, 1);
      Thread.sleep(1000);
      assertEquals(1, sentry.requests().size(), "one event, for the fault: " + sentry.requests());
      assertTrue(sentry.requests().get(0).contains("forced failure"), sentry.requests().get(0));
      assertTrue(access.list.size() >= 61, "every call has its access-log line");
      for (ILoggingEvent line : access.list) {
        assertTrue(
            line.getFormattedMessage().length() < 600,
            "a long access-log line: " + line.getFormattedMessage());
      }
    } finally {
      accessLogger.detachAppender(access);
    }
  }

  /**
   * A request over --max-swhids-per-request is refused, and its access-log line still counts its
   * SWHIDs.
   */
  @Test
  void refusedBulkRequestsCountTheirSwhidsInTheAccessLog() throws Exception {
    Path database = ExampleDirectory.write(directory.resolve("db"));
    Settings settings = new Settings();
    settings.maxSwhidsPerRequest = 2;
    ListAppender<ILoggingEvent> access = new ListAppender<>();
    access.start();
    Logger accessLogger = (Logger) LoggerFactory.getLogger("access");
    accessLogger.addAppender(access);
    try (OpsServer server = OpsServer.start(database, settings.build(), Map.of());
        BufferAllocator allocator = new RootAllocator();
        FlightClient flight =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", server.port()))
                .build()) {
      String cnt = swhid("cnt", "01");
      assertInvalidArgument(
          () ->
              ProvenanceServiceGrpc.newBlockingStub(server.channel())
                  .whereAreOne(
                      WhereAreOneRequest.newBuilder()
                          .addSwhid(cnt)
                          .addSwhid(cnt)
                          .addSwhid(cnt)
                          .build())
                  .next());
      assertInvalidArgument(
          () ->
              read(
                  flight, "{\"provenance\": [\"" + cnt + "\", \"" + cnt + "\", \"" + cnt + "\"]}"));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (access.list.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      List<String> lines = access.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertTrue(
          lines.stream()
              .anyMatch(
                  line ->
                      line.contains("/WhereAreOne INVALID_ARGUMENT")
                          && line.contains(" swhids=3 ")),
          String.join("\n", lines));
      assertTrue(
          lines.stream()
              .anyMatch(
                  line -> line.contains("/DoGet INVALID_ARGUMENT") && line.contains(" swhids=3 ")),
          String.join("\n", lines));
    } finally {
      accessLogger.detachAppender(access);
    }
  }

  private static void read(FlightClient flight, String ticket) throws Exception {
    try (FlightStream stream =
        flight.getStream(new Ticket(ticket.getBytes(StandardCharsets.UTF_8)))) {
      while (stream.next()) {
        stream.getRoot();
      }
    }
  }

  private static void assertInvalidArgument(Executable call) {
    Throwable failure = assertThrows(Throwable.class, call::execute);
    String description;
    if (failure instanceof StatusRuntimeException grpc) {
      assertEquals(Status.Code.INVALID_ARGUMENT, grpc.getStatus().getCode(), grpc.toString());
      description = grpc.getStatus().getDescription();
    } else if (failure instanceof FlightRuntimeException flight) {
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, flight.status().code(), flight.toString());
      description = flight.status().description();
    } else {
      throw new AssertionError("not a status", failure);
    }
    assertTrue(description.length() <= 400, "a long message: " + description);
  }

  private static void awaitRequests(CapturingHttpServer server, int count)
      throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (server.requests().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /** A call that is expected to fail. */
  @FunctionalInterface
  private interface Executable {
    void execute() throws Exception;
  }
}
