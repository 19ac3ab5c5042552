package org.softwareheritage.provenance.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.softwareheritage.provenance.client.ProvenanceResult;

/** How {@code whereis} prints each answer: one line per SWHID asked about, in input order. */
enum OutputFormat {
  /**
   * The qualified SWHID ({@code swh:1:…;origin=…;anchor=…}), or the bare SWHID when there is no
   * provenance.
   */
  QUALIFIED {
    @Override
    String line(ProvenanceResult result) {
      return result.qualified().map(Object::toString).orElse(result.swhid().toString());
    }
  },
  /** JSON Lines: {@code {"swhid": …, "anchor": … or null, "origin": … or null}}. */
  JSON {
    @Override
    String line(ProvenanceResult result) {
      ObjectNode json = MAPPER.createObjectNode().put("swhid", result.swhid().toString());
      json.put("anchor", result.anchor().map(Object::toString).orElse(null));
      json.put("origin", result.origin().orElse(null));
      return json.toString();
    }
  },
  /** CSV with a header {@code swhid,anchor,origin}; empty fields when there is no provenance. */
  CSV {
    @Override
    String header() {
      return "swhid,anchor,origin";
    }

    @Override
    String line(ProvenanceResult result) {
      return result.swhid()
          + ","
          + result.anchor().map(Object::toString).orElse("")
          + ","
          + result.origin().map(OutputFormat::csvField).orElse("");
    }
  };

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The first line, or null if there is none. */
  String header() {
    return null;
  }

  abstract String line(ProvenanceResult result);

  private static String csvField(String value) {
    if (value.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')) {
      return '"' + value.replace("\"", "\"\"") + '"';
    }
    return value;
  }
}
