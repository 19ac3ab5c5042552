package org.softwareheritage.provenance.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.softwareheritage.provenance.swhid.InvalidSwhidException;
import org.softwareheritage.provenance.swhid.Swhid;

/** The textual form of qualified SWHIDs: qualifier order and escaping of the origin. */
class QualifiedSwhidTest {
  private static final Swhid CONTENT =
      Swhid.parse("swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2");
  private static final Swhid REVISION =
      Swhid.parse("swh:1:rev:309cf2674ee7a0749978cf8265ab91a60aea0f7d");

  @Test
  void originComesBeforeAnchor() {
    assertEquals(
        "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;origin=https://github.com/user/repo"
            + ";anchor=swh:1:rev:309cf2674ee7a0749978cf8265ab91a60aea0f7d",
        QualifiedSwhid.of(CONTENT, "https://github.com/user/repo", REVISION).toString());
    assertEquals(
        "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2",
        QualifiedSwhid.of(CONTENT, null, null).toString());
  }

  @Test
  void semicolonAndPercentInTheOriginAreEscaped() {
    QualifiedSwhid swhid =
        QualifiedSwhid.of(CONTENT, "https://example.org/a;b%20c?x=1&y=é", REVISION);
    assertEquals(
        "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;origin=https://example.org/a%3Bb%2520c?x=1&y=é"
            + ";anchor=swh:1:rev:309cf2674ee7a0749978cf8265ab91a60aea0f7d",
        swhid.toString());
    assertEquals(swhid, QualifiedSwhid.parse(swhid.toString()));
    assertEquals(
        "https://example.org/a;b%20c?x=1&y=é",
        QualifiedSwhid.parse(swhid.toString()).origin().orElseThrow());
  }

  @Test
  void otherQualifiersAndBadEscapesAreRejected() {
    assertThrows(InvalidSwhidException.class, () -> QualifiedSwhid.parse(CONTENT + ";lines=1-2"));
    assertThrows(InvalidSwhidException.class, () -> QualifiedSwhid.parse(CONTENT + ";origin=a%2"));
    assertThrows(
        InvalidSwhidException.class, () -> QualifiedSwhid.parse(CONTENT + ";anchor=swh:1:rev:00"));
  }
}
