package org.softwareheritage.provenance.server.query;

import org.softwareheritage.provenance.server.index.ProvenanceIndex;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The answer for one object: its anchor (earliest revision or release containing it), the
 * anchor's author date and the URL of the anchor's smallest origin. Fields that are unknown, or
 * were not asked for, are {@code null} ({@link ProvenanceIndex#NO_DATE} for the date).
 */
public record Provenance(Swhid swhid, Swhid anchor, long anchorDate, String origin) {
  public boolean hasAnchorDate() {
    return anchorDate != ProvenanceIndex.NO_DATE;
  }
}
