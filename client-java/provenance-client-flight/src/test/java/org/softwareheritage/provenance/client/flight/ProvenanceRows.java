package org.softwareheritage.provenance.client.flight;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.softwareheritage.provenance.client.ProvenanceResult;
import org.softwareheritage.provenance.swhid.Swhid;

/** Reads bulk provenance batches back as results, to compare them with the gRPC answers. */
final class ProvenanceRows {
  private ProvenanceRows() {}

  /** Every row of {@code batches}, in order. */
  static List<ProvenanceResult> results(BatchStream batches) {
    List<ProvenanceResult> results = new ArrayList<>();
    while (batches.next()) {
      VectorSchemaRoot root = batches.root();
      for (int i = 0; i < root.getRowCount(); i++) {
        Object anchor = root.getVector("anchor").getObject(i);
        Object origin = root.getVector("origin").getObject(i);
        results.add(
            new ProvenanceResult(
                Swhid.parse(root.getVector("swhid").getObject(i).toString()),
                anchor == null ? null : Swhid.parse(anchor.toString()),
                origin == null ? null : origin.toString()));
      }
    }
    return results;
  }
}
