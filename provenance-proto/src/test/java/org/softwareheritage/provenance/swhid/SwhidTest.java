package org.softwareheritage.provenance.swhid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  @ValueSource(strings = {
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
  })
  void rejectsWhatIsNotACoreSwhid(String text) {
    InvalidSwhidException e = assertThrows(InvalidSwhidException.class, () -> Swhid.parse(text));
    assertEquals(text, e.value());
    assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
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
