package org.softwareheritage.provenance.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.softwareheritage.provenance.deployment.Chart.Manifests;
import org.softwareheritage.provenance.deployment.Chart.ValuesFile;

/**
 * docs/operations.md answers every section of the upstream operations template, and the numbers of
 * its timeout chain are the chart's actual defaults, so the runbook cannot drift from the chart.
 */
class RunbookTest {
  private static final Path RUNBOOK = Path.of("..", "docs", "operations.md");

  /** The headings of the upstream swh-provenance operations template, in its order. */
  private static final List<String> TEMPLATE_SECTIONS =
      List.of(
          "References",
          "Communication",
          "Contacts",
          "Status.io",
          "Global infra",
          "Authentication",
          "Volume",
          "Public domains",
          "Sentry",
          "Rate limiting",
          "Timeout chain",
          "Side impacts",
          "Deployment",
          "Preliminary tasks",
          "Staging deployment",
          "Production deployment",
          "Monitoring",
          "Procedures",
          "Backup/Restore",
          "User management",
          "Red button",
          "Reaction to alerts");

  @Test
  void answersEveryTemplateSectionInOrderWithContent() throws IOException {
    List<String> lines = Files.readAllLines(RUNBOOK);
    List<String> headings = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher heading = Pattern.compile("^#{2,3} (.+)$").matcher(lines.get(i));
      if (heading.matches()) {
        headings.add(heading.group(1));
        String next =
            lines.subList(i + 1, lines.size()).stream()
                .filter(l -> !l.isBlank())
                .findFirst()
                .orElse("");
        assertTrue(
            !next.startsWith("#") || next.startsWith("### "),
            heading.group(1) + " has no text of its own");
        assertTrue(
            !next.startsWith("*") || !next.endsWith("*"),
            heading.group(1) + " still holds the template's hint");
      }
    }
    assertEquals(TEMPLATE_SECTIONS, headings.stream().filter(TEMPLATE_SECTIONS::contains).toList());
    String text = String.join("\n", lines);
    for (String unanswered : List.of("TBD", "TDB", "TODO", "?  |")) {
      assertTrue(!text.contains(unanswered), "the runbook still says " + unanswered);
    }
  }

  @Test
  void timeoutChainHoldsTheChartDefaultsAndEachLayerExceedsTheOneBelow() throws IOException {
    Map<Integer, String> rows = timeoutRows();
    long client = bold(rows.get(1)).get(0);
    long ingress = bold(rows.get(2)).get(0);
    long server = bold(rows.get(3)).get(0);
    List<Long> loading = bold(rows.get(4));

    Manifests staging = Chart.render(ValuesFile.STAGING);
    Map<?, ?> annotations = staging.get("Ingress").map("metadata.annotations");
    assertEquals(
        Long.parseLong(
            annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout").toString()),
        ingress);
    long connect =
        Long.parseLong(
            annotations.get("nginx.ingress.kubernetes.io/proxy-connect-timeout").toString());
    long tries =
        Long.parseLong(
            annotations.get("nginx.ingress.kubernetes.io/proxy-next-upstream-tries").toString());
    assertTrue(
        rows.get(2).contains("connect timeout " + connect)
            && rows.get(2).contains(tries + " tries"),
        rows.get(2));
    assertEquals(
        Duration.parse(staging.serverConfig().get("SWH_PROVENANCE_MAX_CALL_TIME").toString())
            .toSeconds(),
        server);
    assertEquals(List.of(0L, startupBudget(ValuesFile.DEFAULT)), loading);
    for (ValuesFile values : ValuesFile.values()) {
      assertEquals(startupBudget(ValuesFile.DEFAULT), startupBudget(values), values.name());
    }

    assertTrue(client > ingress, "client " + client + " > ingress " + ingress);
    assertTrue(
        ingress > server + tries * connect,
        "ingress " + ingress + " > server " + server + " + connects");
    assertTrue(server > loading.get(0), "nothing is read from files per call");
  }

  @Test
  void shutdownAndHostsMatchTheChart() throws IOException {
    String text = Files.readString(RUNBOOK).replaceAll("\\s+", " ");
    Node pod = Chart.render(ValuesFile.DEFAULT).get("Deployment").at("spec.template.spec");
    String grace = pod.string("terminationGracePeriodSeconds");
    String sleep =
        pod.list("containers[name=server].lifecycle.preStop.exec.command")
            .get(1)
            .value()
            .toString();
    assertTrue(
        text.contains(
            "`terminationGracePeriodSeconds` ("
                + grace
                + ") > `preStop` sleep ("
                + sleep
                + ") + `--drain-timeout` (30)"),
        "shutdown chain " + grace + " > " + sleep + " + 30");
    for (ValuesFile values : List.of(ValuesFile.STAGING, ValuesFile.PRODUCTION)) {
      String host = Chart.render(values).get("Ingress").string("spec.rules[0].host");
      assertTrue(text.contains("`" + host + ":443`"), host);
    }
  }

  private static long startupBudget(ValuesFile values) {
    Node probe =
        Chart.render(values)
            .get("Deployment")
            .at("spec.template.spec.containers[name=server].startupProbe");
    return (long) (int) probe.at("periodSeconds").value()
        * (int) probe.at("failureThreshold").value();
  }

  /** The rows of the timeout chain table, by id. */
  private static Map<Integer, String> timeoutRows() throws IOException {
    String text = Files.readString(RUNBOOK);
    String section =
        text.substring(text.indexOf("### Timeout chain"), text.indexOf("### Side impacts"));
    Map<Integer, String> rows = new TreeMap<>();
    Matcher row = Pattern.compile("(?m)^\\| (\\d) \\|(.*)$").matcher(section);
    while (row.find()) {
      rows.put(Integer.parseInt(row.group(1)), row.group(2));
    }
    assertEquals(List.of(1, 2, 3, 4), List.copyOf(rows.keySet()));
    return rows;
  }

  /** The bold numbers of a table row, in order. */
  private static List<Long> bold(String row) {
    List<Long> numbers = new ArrayList<>();
    Matcher number = Pattern.compile("\\*\\*(\\d+)\\*\\*").matcher(row);
    while (number.find()) {
      numbers.add(Long.parseLong(number.group(1)));
    }
    assertTrue(!numbers.isEmpty(), "no value in " + row);
    return numbers;
  }
}
