package org.softwareheritage.provenance.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.testing.RunningServer;

/** Invalid input is INVALID_ARGUMENT naming the value; empty and very large requests work. */
class RequestValidationTest {
  @TempDir static Path directory;

  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      ExampleDatabase.write(directory, allocator);
    }
    server = RunningServer.start(directory);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @ParameterizedTest
  @MethodSource("org.softwareheritage.provenance.server.testing.InvalidSwhids#texts")
  void invalidSwhidsAreRejectedByBothRpcs(String invalid) {
    StatusRuntimeException one =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                server
                    .blockingStub()
                    .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(invalid).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, one.getStatus().getCode());
    assertTrue(
        one.getStatus().getDescription().contains("'" + invalid + "'"),
        one.getStatus().getDescription());

    WhereAreOneRequest request =
        WhereAreOneRequest.newBuilder().addSwhid(swhid("cnt", "01")).addSwhid(invalid).build();
    Iterator<WhereIsOneResult> results = server.blockingStub().whereAreOne(request);
    StatusRuntimeException many = assertThrows(StatusRuntimeException.class, results::hasNext);
    assertEquals(Status.Code.INVALID_ARGUMENT, many.getStatus().getCode());
    assertTrue(
        many.getStatus().getDescription().startsWith("swhid[1]: "),
        many.getStatus().getDescription());
  }

  @Test
  void unknownMaskPathIsRejected() {
    FieldMask mask = FieldMask.newBuilder().addPaths("anchor").addPaths("revision").build();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                server
                    .blockingStub()
                    .whereIsOne(
                        WhereIsOneRequest.newBuilder()
                            .setSwhid(swhid("cnt", "01"))
                            .setMask(mask)
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("'revision'"));
    Iterator<WhereIsOneResult> results =
        server
            .blockingStub()
            .whereAreOne(
                WhereAreOneRequest.newBuilder().addSwhid(swhid("cnt", "01")).setMask(mask).build());
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        assertThrows(StatusRuntimeException.class, results::hasNext).getStatus().getCode());
  }

  @Test
  void emptyWhereAreOneReturnsNothing() {
    Iterator<WhereIsOneResult> results =
        server.blockingStub().whereAreOne(WhereAreOneRequest.getDefaultInstance());
    assertFalse(results.hasNext());
  }

  @Test
  void hundredThousandSwhidsComeBackInOrder() {
    WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
    String[] known = {
      swhid("cnt", "01"), swhid("dir", "08"), swhid("rel", "19"), swhid("cnt", "99")
    };
    for (int i = 0; i < 100_000; i++) {
      request.addSwhid(i % 5 == 4 ? swhid("cnt", Integer.toHexString(0x100000 + i)) : known[i % 4]);
    }
    List<WhereIsOneResult> results = new ArrayList<>();
    server.blockingStub().whereAreOne(request.build()).forEachRemaining(results::add);
    assertEquals(100_000, results.size());
    for (int i = 0; i < results.size(); i++) {
      assertEquals(request.getSwhid(i), results.get(i).getSwhid());
    }
    assertEquals(swhid("rev", "03"), results.get(0).getAnchor());
    assertEquals(swhid("rev", "09"), results.get(1).getAnchor());
    assertEquals(swhid("rel", "19"), results.get(2).getAnchor());
    assertFalse(results.get(3).hasAnchor());
    assertFalse(results.get(4).hasAnchor());
  }
}
