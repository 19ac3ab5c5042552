package org.softwareheritage.provenance.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.softwareheritage.provenance.swhid.InvalidSwhidException;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * A core SWHID with the {@code origin} and {@code anchor} qualifiers of its provenance, written
 * {@code swh:1:cnt:…;origin=<url>;anchor=swh:1:rev:…} as the SWHID specification orders them. In
 * the origin URL, {@code %} and {@code ;} are percent-escaped ({@code %25}, {@code %3B}) so that
 * the qualifier list stays parseable, as Software Heritage's own tools do.
 */
public final class QualifiedSwhid {
  private static final String ORIGIN = "origin=";
  private static final String ANCHOR = "anchor=";

  private final Swhid core;
  private final String origin;
  private final Swhid anchor;

  private QualifiedSwhid(Swhid core, String origin, Swhid anchor) {
    this.core = Objects.requireNonNull(core, "core");
    this.origin = origin;
    this.anchor = anchor;
  }

  /** {@code core} qualified by {@code origin} and {@code anchor}, either of which may be null. */
  public static QualifiedSwhid of(Swhid core, String origin, Swhid anchor) {
    return new QualifiedSwhid(core, origin, anchor);
  }

  /**
   * Parses a SWHID with optional {@code origin} and {@code anchor} qualifiers (the origin
   * percent-decoded).
   *
   * @throws InvalidSwhidException naming the value and the problem, also for other qualifiers
   */
  public static QualifiedSwhid parse(String value) {
    if (value == null) {
      throw new InvalidSwhidException(null, "no SWHID given");
    }
    String[] parts = value.split(";", -1);
    Swhid core = Swhid.parse(parts[0]);
    String origin = null;
    Swhid anchor = null;
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i];
      if (part.startsWith(ORIGIN) && origin == null) {
        origin = percentDecode(value, part.substring(ORIGIN.length()));
      } else if (part.startsWith(ANCHOR) && anchor == null) {
        anchor = Swhid.parse(part.substring(ANCHOR.length()));
      } else {
        throw new InvalidSwhidException(
            value, "expected at most one origin and one anchor qualifier, got '" + part + "'");
      }
    }
    return new QualifiedSwhid(core, origin, anchor);
  }

  /** The object this SWHID names. */
  public Swhid core() {
    return core;
  }

  /** The URL of an origin (repository) the object was found in. */
  public Optional<String> origin() {
    return Optional.ofNullable(origin);
  }

  /** The revision or release the object was found in. */
  public Optional<Swhid> anchor() {
    return Optional.ofNullable(anchor);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof QualifiedSwhid that
        && core.equals(that.core)
        && Objects.equals(origin, that.origin)
        && Objects.equals(anchor, that.anchor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(core, origin, anchor);
  }

  /** {@code swh:1:<type>:<hex>[;origin=<escaped url>][;anchor=<core SWHID>]}. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(core.toString());
    if (origin != null) {
      text.append(';').append(ORIGIN).append(origin.replace("%", "%25").replace(";", "%3B"));
    }
    if (anchor != null) {
      text.append(';').append(ANCHOR).append(anchor);
    }
    return text.toString();
  }

  private static String percentDecode(String swhid, String escaped) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(escaped.length());
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      int high = i + 2 < escaped.length() ? Character.digit(escaped.charAt(i + 1), 16) : -1;
      int low = high < 0 ? -1 : Character.digit(escaped.charAt(i + 2), 16);
      if (low < 0) {
        throw new InvalidSwhidException(
            swhid, "the origin has a '%' that is not followed by two hex digits");
      }
      bytes.write(high << 4 | low);
      i += 2;
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
