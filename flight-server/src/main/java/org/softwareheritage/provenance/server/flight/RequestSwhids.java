package org.softwareheritage.provenance.server.flight;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.arrow.memory.util.ArrowBufPointer;
import org.apache.arrow.vector.ElementAddressableVector;
import org.apache.arrow.vector.VarCharVector;
import org.softwareheritage.provenance.server.grpc.RequestException;
import org.softwareheritage.provenance.server.ops.CallMemory;
import org.softwareheritage.provenance.swhid.InvalidSwhidException;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The SWHIDs of a bulk provenance request (or of one DoExchange batch), parsed straight from the
 * bytes of a string column or the characters of a ticket: for each, its text ({@value
 * Swhid#TEXT_LENGTH} ASCII bytes), type ordinal and sha1_git, in arrays reused from batch to batch
 * and reserved on the call's memory budget as they grow. No object is created per SWHID.
 */
final class RequestSwhids {
  static final int TEXT = Swhid.TEXT_LENGTH;

  private final ArrowBufPointer pointer = new ArrowBufPointer();

  /**
   * SWHID {@code i}: text {@code texts[50 i, 50 i + 50)}, type {@code types[i]}, sha1_git {@code
   * hashes[20 i, 20 i + 20)}.
   */
  byte[] texts = new byte[0];

  byte[] types = new byte[0];
  byte[] hashes = new byte[0];
  int count;

  /**
   * Parses the first {@code count} values of {@code column}, a string column holding the request's
   * SWHIDs from number {@code first} on.
   *
   * @throws RequestException naming the first invalid SWHID by its number in the request, with the
   *     message of {@link Swhid#parse}
   */
  void parse(ElementAddressableVector column, int count, long first) {
    ensureCapacity(count);
    int copied = copyTexts(column, count);
    for (int i = 0; i < count; i++) {
      ObjectType type =
          i < copied || copyText(column, i)
              ? Swhid.parseAscii(texts, i * TEXT, TEXT, hashes, i * Swhid.HASH_LENGTH)
              : null;
      if (type == null) {
        type = parseString(column, i, first + i);
      }
      types[i] = (byte) type.ordinal();
    }
    this.count = count;
  }

  /**
   * Appends the SWHID in {@code chars[offset, offset + length)}; false (nothing appended) if it is
   * not a core SWHID.
   */
  boolean add(char[] chars, int offset, int length) {
    if (length != TEXT) {
      return false;
    }
    if (count == types.length) {
      ensureCapacity(Math.max(16, 2 * count));
    }
    int at = count * TEXT;
    for (int i = 0; i < TEXT; i++) {
      char c = chars[offset + i];
      if (c > 0x7f) {
        return false;
      }
      texts[at + i] = (byte) c;
    }
    ObjectType type = Swhid.parseAscii(texts, at, TEXT, hashes, count * Swhid.HASH_LENGTH);
    if (type == null) {
      return false;
    }
    types[count++] = (byte) type.ordinal();
    return true;
  }

  /**
   * Room for {@code capacity} SWHIDs, keeping those held; the growth is reserved on the call's
   * budget.
   */
  private void ensureCapacity(int capacity) {
    if (types.length >= capacity) {
      return;
    }
    CallMemory.reserve((long) (capacity - types.length) * (TEXT + 1 + Swhid.HASH_LENGTH));
    texts = Arrays.copyOf(texts, capacity * TEXT);
    types = Arrays.copyOf(types, capacity);
    hashes = Arrays.copyOf(hashes, capacity * Swhid.HASH_LENGTH);
  }

  /** Copies the text of value {@code i} if it has {@value #TEXT} bytes; false if not (or null). */
  private boolean copyText(ElementAddressableVector column, int i) {
    column.getDataPointer(i, pointer);
    if (pointer.getBuf() == null || pointer.getLength() != TEXT) {
      return false;
    }
    pointer.getBuf().getBytes(pointer.getOffset(), texts, i * TEXT, TEXT);
    return true;
  }

  /**
   * Value {@code i}, rejected by the byte parser, through the string parser: it says what is wrong
   * (should it accept the value, it is parsed and stored like the others).
   */
  private ObjectType parseString(ElementAddressableVector column, int i, long number) {
    column.getDataPointer(i, pointer);
    String value = null;
    if (pointer.getBuf() != null) {
      byte[] bytes = new byte[Math.toIntExact(pointer.getLength())];
      pointer.getBuf().getBytes(pointer.getOffset(), bytes);
      value = new String(bytes, StandardCharsets.UTF_8);
    }
    Swhid swhid;
    try {
      swhid = Swhid.parse(value);
    } catch (InvalidSwhidException e) {
      throw RequestException.invalid("swhid[" + number + "]: " + e.getMessage(), e);
    }
    System.arraycopy(
        swhid.toString().getBytes(StandardCharsets.US_ASCII), 0, texts, i * TEXT, TEXT);
    System.arraycopy(swhid.hash(), 0, hashes, i * Swhid.HASH_LENGTH, Swhid.HASH_LENGTH);
    return swhid.type();
  }

  /**
   * Copies the texts of the first values of {@code column} in one go while they are non-null,
   * {@value #TEXT} bytes long and stored one after the other (as clients write them); returns how
   * many were copied.
   */
  private int copyTexts(ElementAddressableVector column, int count) {
    if (!(column instanceof VarCharVector strings) || count == 0) {
      return 0;
    }
    int first = strings.getStartOffset(0);
    int copied = 0;
    while (copied < count
        && !strings.isNull(copied)
        && strings.getEndOffset(copied) == first + (copied + 1) * TEXT) {
      copied++;
    }
    strings.getDataBuffer().getBytes(first, texts, 0, copied * TEXT);
    return copied;
  }
}
