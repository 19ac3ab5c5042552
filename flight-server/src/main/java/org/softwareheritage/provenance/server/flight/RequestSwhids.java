package org.softwareheritage.provenance.server.flight;

import java.nio.charset.StandardCharsets;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.ArrowBufPointer;
import org.apache.arrow.vector.ElementAddressableVector;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The SWHIDs of a bulk provenance request (or of one DoExchange batch), parsed straight from the
 * bytes of a string column: for each, its text ({@value Swhid#TEXT_LENGTH} ASCII bytes), type
 * ordinal and sha1_git, in arrays reused from batch to batch. No object is created per SWHID.
 */
final class RequestSwhids {
  static final int TEXT = Swhid.TEXT_LENGTH;

  private final ArrowBufPointer pointer = new ArrowBufPointer();
  /** SWHID {@code i} is {@code texts[50 i, 50 i + 50)}, of type {@code types[i]} and sha1_git {@code hashes[20 i, 20 i + 20)}. */
  byte[] texts = new byte[0];
  byte[] types = new byte[0];
  byte[] hashes = new byte[0];
  int count;

  /**
   * Parses the first {@code count} values of {@code column}, a string column holding the
   * request's SWHIDs from number {@code first} on.
   *
   * @throws IllegalArgumentException naming the first invalid SWHID by its number in the request,
   *     with the message of {@link Swhid#parse}
   */
  void parse(ElementAddressableVector column, int count, long first) {
    if (types.length < count) {
      texts = new byte[count * TEXT];
      types = new byte[count];
      hashes = new byte[count * Swhid.HASH_LENGTH];
    }
    for (int i = 0; i < count; i++) {
      column.getDataPointer(i, pointer);
      ArrowBuf buffer = pointer.getBuf();
      ObjectType type = null;
      if (buffer != null && pointer.getLength() == TEXT) {
        buffer.getBytes(pointer.getOffset(), texts, i * TEXT, TEXT);
        type = Swhid.parseAscii(texts, i * TEXT, TEXT, hashes, i * Swhid.HASH_LENGTH);
      }
      if (type == null) {
        // not a core SWHID: the string parser says why (should it accept the value, it parses it)
        Swhid swhid = parseString(buffer == null ? null : text(buffer, pointer.getOffset(), Math.toIntExact(pointer.getLength())),
            first + i);
        type = swhid.type();
        System.arraycopy(swhid.toString().getBytes(StandardCharsets.US_ASCII), 0, texts, i * TEXT, TEXT);
        System.arraycopy(swhid.hash(), 0, hashes, i * Swhid.HASH_LENGTH, Swhid.HASH_LENGTH);
      }
      types[i] = (byte) type.ordinal();
    }
    this.count = count;
  }

  private static String text(ArrowBuf buffer, long offset, int length) {
    byte[] bytes = new byte[length];
    buffer.getBytes(offset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static Swhid parseString(String value, long number) {
    try {
      return Swhid.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("swhid[" + number + "]: " + e.getMessage(), e);
    }
  }
}
