package org.softwareheritage.provenance.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.FieldMask;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * WhereAreOne requests read compactly are the requests the generated message reads, and bad bytes
 * are INVALID_ARGUMENT.
 */
class ParsedWhereAreOneTest {
  @TempDir Path directory;

  private static ParsedWhereAreOne read(byte[] bytes) {
    return ParsedWhereAreOne.read(new ByteArrayInputStream(bytes));
  }

  @Test
  void readsWhatTheGeneratedMessageWrites() {
    Random random = new Random(3);
    for (int n = 0; n < 200; n++) {
      WhereAreOneRequest.Builder message = WhereAreOneRequest.newBuilder();
      if (random.nextBoolean()) {
        message.setMask(FieldMask.newBuilder().addPaths("anchor").addPaths("origin"));
      }
      for (int i = random.nextInt(300); i > 0; i--) {
        byte[] hash = new byte[Swhid.HASH_LENGTH];
        random.nextBytes(hash);
        message.addSwhid(Swhid.of(ObjectType.fromOrdinal(random.nextInt(6)), hash).toString());
      }
      WhereAreOneRequest expected = message.build();
      ParsedWhereAreOne parsed = read(expected.toByteArray());
      assertNull(parsed.problem());
      assertEquals(expected.getSwhidCount(), parsed.swhidCount());
      assertEquals(expected, parsed.toMessage());
      assertEquals(
          expected,
          ParsedWhereAreOne.MARSHALLER
              .parse(ParsedWhereAreOne.MARSHALLER.stream(parsed))
              .toMessage());
    }
  }

  @Test
  void skipsUnknownFieldsAndMergesRepeatedMasks() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeMessage(1, FieldMask.newBuilder().addPaths("anchor").build());
    out.writeString(2, swhid("cnt", "01"));
    out.writeUInt64(7, 42);
    out.writeBytes(9, ByteString.copyFromUtf8("a field of a newer client"));
    out.writeMessage(1, FieldMask.newBuilder().addPaths("origin").build());
    out.writeString(2, swhid("rev", "03"));
    out.flush();
    ParsedWhereAreOne parsed = read(bytes.toByteArray());
    assertNull(parsed.problem());
    assertEquals(
        WhereAreOneRequest.newBuilder()
            .setMask(FieldMask.newBuilder().addPaths("anchor").addPaths("origin"))
            .addSwhid(swhid("cnt", "01"))
            .addSwhid(swhid("rev", "03"))
            .build(),
        parsed.toMessage());
  }

  @Test
  void namesTheFirstInvalidSwhidAndCountsThemAll() {
    WhereAreOneRequest request =
        WhereAreOneRequest.newBuilder()
            .addSwhid(swhid("cnt", "01"))
            .addSwhid("swh:1:CNT:0000000000000000000000000000000000000001")
            .addSwhid("")
            .addSwhid(swhid("cnt", "04"))
            .build();
    ParsedWhereAreOne parsed = read(request.toByteArray());
    assertEquals(
        "swhid[1]: invalid SWHID 'swh:1:CNT:0000000000000000000000000000000000000001': "
            + "unknown object type, expected one of cnt, dir, rev, rel, snp, ori",
        parsed.problem());
    assertEquals(4, parsed.swhidCount());
  }

  @Test
  void echoesAtMostAHundredCharactersOfAnInvalidValue() {
    String huge = "x".repeat(64 * 1024);
    ParsedWhereAreOne parsed =
        read(WhereAreOneRequest.newBuilder().addSwhid(huge).build().toByteArray());
    assertEquals(
        "swhid[0]: invalid SWHID '"
            + "x".repeat(100)
            + "…' (65536 bytes): expected swh:1:<type>:<40 lowercase hex digits>",
        parsed.problem());
  }

  /**
   * A request the generated message refuses to read (UNKNOWN) or reads wrong is INVALID_ARGUMENT,
   * over the wire.
   */
  @Test
  void malformedBytesAndInvalidUtf8AreInvalidArgument() throws Exception {
    byte[] invalidUtf8 =
        concat(
            new byte[] {0x12, 50},
            ("swh:1:cnt:" + "0".repeat(39)).getBytes(StandardCharsets.US_ASCII),
            new byte[] {(byte) 0xff});
    byte[] truncated =
        WhereAreOneRequest.newBuilder().addSwhid(swhid("cnt", "01")).build().toByteArray();
    truncated = java.util.Arrays.copyOf(truncated, truncated.length - 5);
    try (RunningServer server =
        RunningServer.start(ExampleDirectory.write(directory.resolve("db")))) {
      for (byte[] request :
          List.of(invalidUtf8, truncated, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff})) {
        StatusRuntimeException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () ->
                    ClientCalls.blockingServerStreamingCall(
                            server.channel(), RAW_WHERE_ARE_ONE, CallOptions.DEFAULT, request)
                        .forEachRemaining(result -> {}));
        assertEquals(
            Status.Code.INVALID_ARGUMENT,
            e.getStatus().getCode(),
            HexFormat.of().formatHex(request) + ": " + e);
        assertTrue(e.getStatus().getDescription().length() < 200, e.getStatus().getDescription());
      }
      List<WhereIsOneResult> results = new ArrayList<>();
      ClientCalls.blockingServerStreamingCall(
              server.channel(),
              RAW_WHERE_ARE_ONE,
              CallOptions.DEFAULT,
              WhereAreOneRequest.newBuilder().addSwhid(swhid("cnt", "01")).build().toByteArray())
          .forEachRemaining(results::add);
      assertEquals(swhid("rev", "03"), results.get(0).getAnchor());
      assertArrayEquals(
          swhid("cnt", "01").getBytes(StandardCharsets.US_ASCII),
          results.get(0).getSwhidBytes().toByteArray());
    }
  }

  /** WhereAreOne with requests sent as raw bytes. */
  private static final MethodDescriptor<byte[], WhereIsOneResult> RAW_WHERE_ARE_ONE =
      ProvenanceServiceGrpc.getWhereAreOneMethod().toBuilder(
              new MethodDescriptor.Marshaller<byte[]>() {
                @Override
                public InputStream stream(byte[] value) {
                  return new ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(InputStream stream) {
                  throw new UnsupportedOperationException();
                }
              },
              io.grpc.protobuf.ProtoUtils.marshaller(WhereIsOneResult.getDefaultInstance()))
          .build();

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
