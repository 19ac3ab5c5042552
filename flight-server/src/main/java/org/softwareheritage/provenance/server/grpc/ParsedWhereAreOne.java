package org.softwareheritage.provenance.server.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.FieldMask;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.server.ops.SwhidRequest;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * A {@code WhereAreOneRequest} read straight from its wire bytes into compact arrays: 21 bytes per
 * SWHID (type and sha1_git) where the generated message holds a string per SWHID and the lookup a
 * {@link Swhid} more (about 100 bytes together: 100 MB for a million SWHIDs). The wire format is
 * the generated message's (mask = 1, swhid = 2; unknown fields skipped), so every client works
 * unchanged. Reading never fails: a malformed message or an invalid SWHID is kept as the {@link
 * #problem} the call answers INVALID_ARGUMENT with.
 */
final class ParsedWhereAreOne implements SwhidRequest {
  /**
   * Reads requests as this class, writes them (never needed by the server) as the generated
   * message.
   */
  static final MethodDescriptor.Marshaller<ParsedWhereAreOne> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(ParsedWhereAreOne request) {
          return request.toMessage().toByteString().newInput();
        }

        @Override
        public ParsedWhereAreOne parse(InputStream stream) {
          return read(stream);
        }
      };

  private static final int MASK =
      WhereAreOneRequest.MASK_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int SWHID =
      WhereAreOneRequest.SWHID_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  /** Wire bytes of one valid SWHID: its tag, its length and its 50 characters. */
  private static final int SWHID_WIRE_BYTES = 2 + Swhid.TEXT_LENGTH;

  /** Characters of an invalid value echoed in the problem. */
  private static final int ECHOED_CHARS = 100;

  private FieldMask mask;

  /** SWHID {@code i}: type ordinal {@code types[i]}, sha1_git {@code hashes[20 i, 20 i + 20)}. */
  private byte[] types;

  private byte[] hashes;
  private int count;
  private long named;
  private String problem;

  private ParsedWhereAreOne(int capacity) {
    types = new byte[capacity];
    hashes = new byte[capacity * Swhid.HASH_LENGTH];
  }

  /** Reads a request from its wire bytes, {@code stream} holding exactly one message. */
  static ParsedWhereAreOne read(InputStream stream) {
    ParsedWhereAreOne request;
    try {
      request = new ParsedWhereAreOne(Math.max(16, stream.available() / SWHID_WIRE_BYTES + 1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    CodedInputStream in = CodedInputStream.newInstance(stream);
    in.setSizeLimit(Integer.MAX_VALUE);
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == SWHID) {
          request.readSwhid(in);
        } else if (tag == MASK) {
          FieldMask.Builder mask =
              request.mask == null ? FieldMask.newBuilder() : request.mask.toBuilder();
          in.readMessage(mask, ExtensionRegistryLite.getEmptyRegistry());
          request.mask = mask.build();
        } else if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (InvalidProtocolBufferException e) {
      request.problem =
          "the request is not a valid WhereAreOneRequest message (truncated or malformed protobuf)";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return request;
  }

  /**
   * Reads one {@code swhid} value: kept if valid and no problem was found before, counted anyway.
   */
  private void readSwhid(CodedInputStream in) throws IOException {
    int length = in.readRawVarint32();
    long number = named++;
    if (problem != null) {
      in.skipRawBytes(length);
      return;
    }
    byte[] text = in.readRawBytes(Math.min(length, 4 * ECHOED_CHARS));
    in.skipRawBytes(length - text.length);
    if (count == types.length) {
      types = Arrays.copyOf(types, 2 * count);
      hashes = Arrays.copyOf(hashes, 2 * count * Swhid.HASH_LENGTH);
    }
    ObjectType type =
        length == Swhid.TEXT_LENGTH
            ? Swhid.parseAscii(text, 0, text.length, hashes, count * Swhid.HASH_LENGTH)
            : null;
    if (type == null) {
      problem = "swhid[" + number + "]: " + invalid(text, length);
      return;
    }
    types[count++] = (byte) type.ordinal();
  }

  /**
   * What is wrong with the value whose first bytes are {@code text}, echoing at most {@value
   * #ECHOED_CHARS} characters.
   */
  private static String invalid(byte[] text, int length) {
    String value = new String(text, StandardCharsets.UTF_8);
    try {
      Swhid.parse(value);
      return "invalid SWHID";
    } catch (IllegalArgumentException e) {
      if (value.length() <= ECHOED_CHARS && length == text.length) {
        return e.getMessage();
      }
      String shown = value.substring(0, Math.min(value.length(), ECHOED_CHARS));
      return "invalid SWHID '"
          + shown
          + "…' ("
          + length
          + " bytes): expected swh:1:<type>:<40 lowercase hex digits>";
    }
  }

  /** Why the call must answer INVALID_ARGUMENT, or {@code null} if the request is valid. */
  String problem() {
    return problem;
  }

  /** The field mask, or {@code null} if the request has none. */
  FieldMask mask() {
    return mask;
  }

  /** Valid SWHIDs held (all of them when there is no {@link #problem}). */
  int count() {
    return count;
  }

  byte[] types() {
    return types;
  }

  byte[] hashes() {
    return hashes;
  }

  @Override
  public long swhidCount() {
    return named;
  }

  /** SWHID {@code i} as its text, written into {@code text} from {@code offset}. */
  void writeText(int i, byte[] text, int offset) {
    Swhid.writeAscii(ObjectType.fromOrdinal(types[i]), hashes, i * Swhid.HASH_LENGTH, text, offset);
  }

  /** The generated message holding the same request (the valid SWHIDs). */
  WhereAreOneRequest toMessage() {
    WhereAreOneRequest.Builder message = WhereAreOneRequest.newBuilder();
    if (mask != null) {
      message.setMask(mask);
    }
    byte[] text = new byte[Swhid.TEXT_LENGTH];
    for (int i = 0; i < count; i++) {
      writeText(i, text, 0);
      message.addSwhid(new String(text, StandardCharsets.US_ASCII));
    }
    return message.build();
  }

  @Override
  public String toString() {
    if (count == 0) {
      return named + " swhids" + (problem != null ? ", " + problem : "");
    }
    byte[] first = new byte[Swhid.TEXT_LENGTH];
    writeText(0, first, 0);
    return named
        + " swhids, first "
        + new String(first, StandardCharsets.US_ASCII)
        + (mask != null ? ", mask " + mask.getPathsList() : "")
        + (problem != null ? ", " + problem : "");
  }
}
