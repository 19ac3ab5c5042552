package org.softwareheritage.provenance.swhid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SwhidTest {
  private static final String CONTENT = "swh:1:cnt:0000000000000000000000000000000000000001";

  @ParameterizedTest
  @ValueSource(strings = {"cnt", "dir", "rev", "rel", "snp", "ori"})
  void roundTripsEveryType(String tag) {
    String text = "swh:1:" + tag + ":8f50d3f60eae370ddbf85c86219c55108a350165";
    Swhid swhid = Swhid.parse(text);
    assertEquals(tag, swhid.type().tag());
    assertEquals(text, swhid.toString());
    assertEquals("8f50d3f60eae370ddbf85c86219c55108a350165", swhid.hashHex());
  }

  @Test
  void hashBytesMatchHexDigits() {
    Swhid swhid = Swhid.parse(CONTENT);
    byte[] hash = swhid.hash();
    assertEquals(20, hash.length);
    assertEquals(1, hash[19]);
    assertEquals(0, hash[0]);
    assertEquals(Swhid.of(ObjectType.CONTENT, hash), swhid);
  }

  @Test
  void equalityDependsOnTypeAndHash() {
    Swhid content = Swhid.parse(CONTENT);
    assertEquals(content, Swhid.parse(CONTENT));
    assertEquals(content.hashCode(), Swhid.parse(CONTENT).hashCode());
    assertNotEquals(content, Swhid.parse(CONTENT.replace("cnt", "dir")));
    assertNotEquals(content, Swhid.parse(CONTENT.replace("01", "02")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "swh:1:cnt:xyz",
        "swh:1:CNT:0000000000000000000000000000000000000001",
        "swh:1:cnt:000000000000000000000000000000000000000A",
        "swh:1:cnt:000000000000000000000000000000000000001",
        "swh:1:cnt:00000000000000000000000000000000000000001",
        "swh:1:foo:0000000000000000000000000000000000000001",
        "swh:2:cnt:0000000000000000000000000000000000000001",
        "swh:1:cnt:0000000000000000000000000000000000000001;origin=https://example.com",
        " swh:1:cnt:0000000000000000000000000000000000000001",
        "swh:1:cnt:0000000000000000000000000000000000000001 ",
        "swh:1:cnt;0000000000000000000000000000000000000001",
        "SWH:1:cnt:0000000000000000000000000000000000000001",
        "swh:1:cnt:00000000000000000000000000000000000000\u00e9",
        "swh:1:cnt:000000000000000000000000000000000000000\u0100",
        "swh:1:c\u0100t:0000000000000000000000000000000000000001",
      })
  void rejectsWhatIsNotACoreSwhid(String text) {
    InvalidSwhidException e = assertThrows(InvalidSwhidException.class, () -> Swhid.parse(text));
    assertEquals(text, e.value());
    assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    assertNull(Swhid.parseAscii(utf8, 0, utf8.length, new byte[20], 0));
  }

  @Test
  void namesWhatIsWrong() {
    assertEquals(
        "invalid SWHID 'swh:1:cnt:xyz': expected swh:1:<type>:<40 lowercase hex digits>",
        assertThrows(InvalidSwhidException.class, () -> Swhid.parse("swh:1:cnt:xyz")).getMessage());
    assertEquals(
        "invalid SWHID 'swh:1:foo:0000000000000000000000000000000000000001': unknown object type, "
            + "expected one of cnt, dir, rev, rel, snp, ori",
        assertThrows(
                InvalidSwhidException.class,
                () -> Swhid.parse("swh:1:foo:0000000000000000000000000000000000000001"))
            .getMessage());
    assertEquals(
        "invalid SWHID 'swh:1:cnt:000000000000000000000000000000000000000A': the hash must be 40 "
            + "lowercase hexadecimal digits",
        assertThrows(
                InvalidSwhidException.class,
                () -> Swhid.parse("swh:1:cnt:000000000000000000000000000000000000000A"))
            .getMessage());
  }

  @Test
  void showsOnlyTheBeginningOfALongValue() {
    String huge = "swh:1:cnt:" + "0".repeat(16 * 1024);
    InvalidSwhidException e = assertThrows(InvalidSwhidException.class, () -> Swhid.parse(huge));
    assertEquals(
        "invalid SWHID '"
            + huge.substring(0, 100)
            + "…' (16394 characters): expected "
            + "swh:1:<type>:<40 lowercase hex digits>",
        e.getMessage());
    assertEquals(huge, e.value());
  }

  /**
   * The byte parser of bulk paths accepts exactly what the string parser accepts, with the same
   * result.
   */
  @Test
  void asciiParserAgreesWithStringParser() {
    Random random = new Random(7);
    String alphabet = "swh:1cntdirevlpoab0123456789fABF;\u00e9 ";
    int valid = 0;
    for (int n = 0; n < 200_000; n++) {
      char[] text =
          Swhid.parse(
                  "swh:1:"
                      + ObjectType.fromOrdinal(random.nextInt(6)).tag()
                      + ":"
                      + HexFormat.of().formatHex(randomHash(random)))
              .toString()
              .toCharArray();
      for (int mutations = random.nextInt(3); mutations > 0; mutations--) {
        text[random.nextInt(text.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
      }
      String value = new String(text);
      byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
      byte[] hash = new byte[25];
      ObjectType type = Swhid.parseAscii(utf8, 0, utf8.length, hash, 3);
      Swhid parsed;
      try {
        parsed = Swhid.parse(value);
      } catch (InvalidSwhidException e) {
        assertNull(type, value);
        continue;
      }
      valid++;
      assertEquals(parsed.type(), type, value);
      assertArrayEquals(parsed.hash(), Arrays.copyOfRange(hash, 3, 23), value);
      assertEquals(value, parsed.toString());
    }
    assertTrue(valid > 50_000 && valid < 150_000, "valid: " + valid);
  }

  /** The byte writer is the inverse of the byte parser, and writes what toString writes. */
  @Test
  void asciiWriterWritesWhatToStringWrites() {
    Random random = new Random(11);
    for (int n = 0; n < 10_000; n++) {
      Swhid swhid = Swhid.of(ObjectType.fromOrdinal(random.nextInt(6)), randomHash(random));
      byte[] hash = new byte[24];
      System.arraycopy(swhid.hash(), 0, hash, 4, 20);
      byte[] text = new byte[52];
      Swhid.writeAscii(swhid.type(), hash, 4, text, 1);
      assertEquals(
          swhid.toString(), new String(text, 1, Swhid.TEXT_LENGTH, StandardCharsets.US_ASCII));
      byte[] parsed = new byte[20];
      assertEquals(swhid.type(), Swhid.parseAscii(text, 1, Swhid.TEXT_LENGTH, parsed, 0));
      assertArrayEquals(swhid.hash(), parsed);
    }
  }

  private static byte[] randomHash(Random random) {
    byte[] hash = new byte[20];
    random.nextBytes(hash);
    return hash;
  }

  @Test
  void rejectsNull() {
    assertThrows(InvalidSwhidException.class, () -> Swhid.parse(null));
  }

  @Test
  void rejectsWrongHashLength() {
    assertThrows(IllegalArgumentException.class, () -> Swhid.of(ObjectType.CONTENT, new byte[19]));
  }
}
