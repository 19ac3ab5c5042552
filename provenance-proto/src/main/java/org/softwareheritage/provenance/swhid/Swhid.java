package org.softwareheritage.provenance.swhid;

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

  private static final String PREFIX = "swh:1:";
  private static final int LENGTH = PREFIX.length() + 4 + 2 * HASH_LENGTH;
  private static final HexFormat HEX = HexFormat.of();

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
    if (value.length() != LENGTH || !value.startsWith(PREFIX) || value.charAt(PREFIX.length() + 3) != ':') {
      throw new InvalidSwhidException(value, "expected swh:1:<type>:<40 lowercase hex digits>");
    }
    ObjectType type = ObjectType.fromTag(value.subSequence(PREFIX.length(), PREFIX.length() + 3));
    if (type == null) {
      throw new InvalidSwhidException(value, "unknown object type, expected one of cnt, dir, rev, rel, snp, ori");
    }
    byte[] hash = new byte[HASH_LENGTH];
    int start = PREFIX.length() + 4;
    for (int i = 0; i < HASH_LENGTH; i++) {
      int high = lowerHexDigit(value.charAt(start + 2 * i));
      int low = lowerHexDigit(value.charAt(start + 2 * i + 1));
      if (high < 0 || low < 0) {
        throw new InvalidSwhidException(value, "the hash must be 40 lowercase hexadecimal digits");
      }
      hash[i] = (byte) (high << 4 | low);
    }
    return new Swhid(type, hash);
  }

  private static int lowerHexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
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
