package org.softwareheritage.provenance.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.softwareheritage.provenance.deployment.Chart.Manifests;
import org.softwareheritage.provenance.deployment.Chart.ValuesFile;

/**
 * The chart's alert rules: scoped to this release, thresholds from values, and each one answered by
 * a "Reaction" section of the runbook that its runbook_url points to.
 */
class AlertRulesTest {
  private static final Path RUNBOOK = Path.of("..", "docs", "operations.md");
  private static final Set<String> ALERTS =
      Set.of(
          "SwhProvenanceNoReadyPod",
          "SwhProvenanceDegraded",
          "SwhProvenanceInternalErrors",
          "SwhProvenanceRejectedCalls",
          "SwhProvenanceDeadlineExceeded",
          "SwhProvenanceSlowLookups",
          "SwhProvenanceMemoryPressure",
          "SwhProvenanceRestarts");

  @Test
  void stagingAndProductionAlertOnTheirOwnReleaseWithTheDocumentedThresholds() {
    for (ValuesFile values : List.of(ValuesFile.STAGING, ValuesFile.PRODUCTION)) {
      List<Node> rules = rules(Chart.render(values));
      Set<String> names = new TreeSet<>();
      for (Node rule : rules) {
        String alert = rule.string("alert");
        names.add(alert);
        String expr = rule.string("expr");
        assertTrue(
            expr.contains("namespace=\"swh\""), alert + " is scoped to the namespace: " + expr);
        assertTrue(
            expr.contains("provenance-swh-provenance"),
            alert + " is scoped to the release: " + expr);
        assertTrue(Set.of("critical", "warning").contains(rule.string("labels.severity")), alert);
        assertEquals(
            "docs/operations.md#" + alert.toLowerCase(), rule.string("annotations.runbook_url"));
      }
      assertEquals(new TreeSet<>(ALERTS), names);
      Node errors = rule(rules, "SwhProvenanceInternalErrors");
      assertTrue(errors.string("expr").endsWith(" > 0.01"), errors.string("expr"));
      assertTrue(
          errors
              .string("expr")
              .contains(
                  "swh_provenance_grpc_server_requests_total{namespace=\"swh\","
                      + " job=\"provenance-swh-provenance\","
                      + " grpc_status=~\"INTERNAL|UNKNOWN|DATA_LOSS\"}"),
          errors.string("expr"));
    }
  }

  @Test
  void defaultsShipNoRulesAndThresholdsAreValues() {
    assertFalse(Chart.render(ValuesFile.DEFAULT).has("PrometheusRule"));
    Manifests tuned =
        Chart.render(
            ValuesFile.STAGING.paths(),
            Map.of("metrics.prometheusRule.whereIsOneP99Milliseconds", "250"));
    Node slow = rule(rules(tuned), "SwhProvenanceSlowLookups");
    assertTrue(slow.string("expr").endsWith(" > 250"), slow.string("expr"));
  }

  @Test
  void theRunbookHasAReactionForEveryAlert() throws IOException {
    String runbook = Files.readString(RUNBOOK);
    Set<String> documented = new TreeSet<>();
    Matcher heading = Pattern.compile("(?m)^#### (SwhProvenance\\w+)$").matcher(runbook);
    while (heading.find()) {
      documented.add(heading.group(1));
    }
    assertEquals(
        new TreeSet<>(ALERTS), documented, "one '#### AlertName' reaction per alert in " + RUNBOOK);
  }

  private static List<Node> rules(Manifests manifests) {
    return manifests.get("PrometheusRule").list("spec.groups[0].rules");
  }

  private static Node rule(List<Node> rules, String alert) {
    return rules.stream()
        .filter(r -> r.string("alert").equals(alert))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no alert " + alert));
  }
}
