package org.softwareheritage.provenance.client;

import java.util.Objects;
import java.util.Optional;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The provenance of one SWHID: the earliest revision or release (anchor) containing it and an
 * origin URL containing that anchor. Empty when the object has no provenance (and, in {@link
 * ProvenanceClient#whereAre}, when the server does not know it).
 */
public final class ProvenanceResult {
  private final Swhid swhid;
  private final Swhid anchor;
  private final String origin;

  /** The answer for {@code swhid}: {@code anchor} and {@code origin} may be null. */
  public ProvenanceResult(Swhid swhid, Swhid anchor, String origin) {
    this.swhid = Objects.requireNonNull(swhid, "swhid");
    this.anchor = anchor;
    this.origin = origin;
  }

  /** The SWHID asked about. */
  public Swhid swhid() {
    return swhid;
  }

  /** The earliest revision or release containing the object. */
  public Optional<Swhid> anchor() {
    return Optional.ofNullable(anchor);
  }

  /** The URL of an origin containing the anchor. */
  public Optional<String> origin() {
    return Optional.ofNullable(origin);
  }

  /** Whether there is no provenance (no anchor). */
  public boolean isEmpty() {
    return anchor == null;
  }

  /** {@code swh:1:…;origin=…;anchor=…}, or empty when there is no provenance. */
  public Optional<QualifiedSwhid> qualified() {
    return isEmpty() ? Optional.empty() : Optional.of(QualifiedSwhid.of(swhid, origin, anchor));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ProvenanceResult that
        && swhid.equals(that.swhid)
        && Objects.equals(anchor, that.anchor)
        && Objects.equals(origin, that.origin);
  }

  @Override
  public int hashCode() {
    return Objects.hash(swhid, anchor, origin);
  }

  @Override
  public String toString() {
    return isEmpty()
        ? swhid + " (no provenance)"
        : QualifiedSwhid.of(swhid, origin, anchor).toString();
  }
}
