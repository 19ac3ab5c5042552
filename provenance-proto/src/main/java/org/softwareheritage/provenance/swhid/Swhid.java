package org.softwareheritage.provenance.swhid;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A core SWHID ({@code swh:1:<type>:<40 lowercase hex digits>}): an object type and the 20-byte
 * sha1_git of the object. Parsing is strict: anything that is not exactly a core SWHID (upper-case
 * hex, wrong length, unknown type, another version, qualifiers, surrounding spaces) is rejected.
 */
public final class Swhid {
  /** Length in bytes of a sha1_git. */
  public static final int HASH_LENGTH = 20;

  /** Length in characters of a core SWHID. */
  public static final int TEXT_LENGTH = 50;

  private static final String PREFIX = "swh:1:";
  private static final HexFormat HEX = HexFormat.of();
  private static final String HEX_DIGITS = "0123456789abcdef";
  private static final byte[] HEX_VALUES = hexValues();

  private final ObjectType type;
  private final byte[] hash;

  private Swhid(ObjectType type, byte[] hash) {
    this.type = type;
    this.hash = hash;
  }

  /** A SWHID for an object of type {@code type} whose sha1_git is {@code hash} (20 bytes). */
  public static Swhid of(ObjectType type, byte[] hash) {
    if (type == null) {
      throw new IllegalArgumentException("SWHID type is required");
    }
    if (hash == null || hash.length != HASH_LENGTH) {
      throw new IllegalArgumentException("a sha1_git has " + HASH_LENGTH + " bytes");
    }
    return new Swhid(type, hash.clone());
  }

  /**
   * Parses a core SWHID.
   *
   * @throws InvalidSwhidException naming the value and what is wrong with it
   */
  public static Swhid parse(String value) {
    if (value == null) {
      throw new InvalidSwhidException(null, "no SWHID given");
    }
    byte[] hash = new byte[HASH_LENGTH];
    // a character outside Latin-1 becomes '?', which no SWHID contains: rejected like the character
    byte[] text = value.getBytes(StandardCharsets.ISO_8859_1);
    ObjectType type = parseAscii(text, 0, text.length, hash, 0);
    if (type == null) {
      throw new InvalidSwhidException(value, problem(value));
    }
    return new Swhid(type, hash);
  }

  /**
   * Parses the core SWHID in ASCII bytes {@code text[from, from + length)} without creating
   * objects, for bulk paths: writes its sha1_git to {@code hash[hashFrom, hashFrom + 20)} and
   * returns its type, or returns {@code null} if those bytes are not exactly a core SWHID (the same
   * inputs as {@link #parse} rejects; {@link #parse} says why).
   */
  public static ObjectType parseAscii(
      byte[] text, int from, int length, byte[] hash, int hashFrom) {
    if (length != TEXT_LENGTH || text[from + PREFIX.length() + 3] != ':') {
      return null;
    }
    for (int i = 0; i < PREFIX.length(); i++) {
      if (text[from + i] != PREFIX.charAt(i)) {
        return null;
      }
    }
    ObjectType type = ObjectType.fromTag(text, from + PREFIX.length());
    if (type == null) {
      return null;
    }
    int start = from + PREFIX.length() + 4;
    for (int i = 0; i < HASH_LENGTH; i++) {
      int high = HEX_VALUES[text[start + 2 * i] & 0xff];
      int low = HEX_VALUES[text[start + 2 * i + 1] & 0xff];
      if ((high | low) < 0) {
        return null;
      }
      hash[hashFrom + i] = (byte) (high << 4 | low);
    }
    return type;
  }

  /**
   * Writes the core SWHID of type {@code type} and sha1_git {@code hash[hashFrom, hashFrom + 20)}
   * as {@value #TEXT_LENGTH} ASCII bytes into {@code text[textFrom, textFrom + 50)}, without
   * creating objects: the inverse of {@link #parseAscii}.
   */
  public static void writeAscii(
      ObjectType type, byte[] hash, int hashFrom, byte[] text, int textFrom) {
    for (int i = 0; i < PREFIX.length(); i++) {
      text[textFrom + i] = (byte) PREFIX.charAt(i);
    }
    String tag = type.tag();
    for (int i = 0; i < 3; i++) {
      text[textFrom + PREFIX.length() + i] = (byte) tag.charAt(i);
    }
    text[textFrom + PREFIX.length() + 3] = ':';
    int start = textFrom + PREFIX.length() + 4;
    for (int i = 0; i < HASH_LENGTH; i++) {
      int b = hash[hashFrom + i] & 0xff;
      text[start + 2 * i] = (byte) HEX_DIGITS.charAt(b >>> 4);
      text[start + 2 * i + 1] = (byte) HEX_DIGITS.charAt(b & 0xf);
    }
  }

  /** What is wrong with {@code value}, which is not a core SWHID. */
  private static String problem(String value) {
    if (value.length() != TEXT_LENGTH
        || !value.startsWith(PREFIX)
        || value.charAt(PREFIX.length() + 3) != ':') {
      return "expected swh:1:<type>:<40 lowercase hex digits>";
    }
    if (ObjectType.fromTag(value.subSequence(PREFIX.length(), PREFIX.length() + 3)) == null) {
      return "unknown object type, expected one of cnt, dir, rev, rel, snp, ori";
    }
    return "the hash must be 40 lowercase hexadecimal digits";
  }

  /** The value of each lowercase hex digit by its byte, -1 for every other byte. */
  private static byte[] hexValues() {
    byte[] values = new byte[256];
    Arrays.fill(values, (byte) -1);
    for (int i = 0; i < 16; i++) {
      values[HEX_DIGITS.charAt(i)] = (byte) i;
    }
    return values;
  }

  public ObjectType type() {
    return type;
  }

  /** A copy of the 20-byte sha1_git. */
  public byte[] hash() {
    return hash.clone();
  }

  /** Byte {@code i} of the sha1_git, without copying it. */
  public byte hashByte(int i) {
    return hash[i];
  }

  /** The sha1_git as 40 lowercase hex digits. */
  public String hashHex() {
    return HEX.formatHex(hash);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Swhid that && type == that.type && Arrays.equals(hash, that.hash);
  }

  @Override
  public int hashCode() {
    return 31 * type.hashCode() + Arrays.hashCode(hash);
  }

  /** The core SWHID, {@code swh:1:<type>:<hex>}. */
  @Override
  public String toString() {
    return PREFIX + type.tag() + ':' + hashHex();
  }
}
