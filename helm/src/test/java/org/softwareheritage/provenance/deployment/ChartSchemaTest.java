package org.softwareheritage.provenance.deployment;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * values.schema.json: Helm checks the values against it on every install, upgrade, template and
 * lint, so a value of the wrong type or an unknown setting stops them with a message naming it (the
 * shipped values files pass: {@link ChartLintTest}).
 */
class ChartSchemaTest {
  private static final String SCHEMA_FAILURE = "values don't meet the specifications of the schema";

  static Stream<Arguments> wrongValues() {
    return Stream.of(
        Arguments.of("server.port", "fifty", "at '/server/port': got string, want integer"),
        Arguments.of(
            "maintenance.enabled", "yes", "at '/maintenance/enabled': got string, want boolean"),
        Arguments.of("resources", "2Gi", "at '/resources': got string, want object"),
        Arguments.of("jvm.heapPercent", "150", "at '/jvm/heapPercent': maximum: got 150, want 100"),
        Arguments.of(
            "database.source",
            "nfs",
            "at '/database/source': value must be one of 'pvc', 'objectStorage'"),
        Arguments.of(
            "server.drainTimeout",
            "30s",
            "at '/server/drainTimeout': '30s' does not match pattern"),
        Arguments.of(
            "server.rateLimit", "fast", "at '/server/rateLimit': 'fast' does not match pattern"),
        Arguments.of(
            "image.pullPolicy", "Sometimes", "at '/image/pullPolicy': value must be one of"),
        Arguments.of("sever.port", "50141", "additional properties 'sever' not allowed"));
  }

  @ParameterizedTest
  @MethodSource("wrongValues")
  void templateRefusesNamingTheSetting(String key, String value, String message) {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> Chart.render(List.of(), Map.of(key, value)));
    assertTrue(
        e.getMessage().contains(SCHEMA_FAILURE) && e.getMessage().contains(message),
        e.getMessage());
  }

  @Test
  void lintRefusesAValuesFileWithAWrongType(@TempDir Path work) {
    Map<String, Object> values = new LinkedHashMap<>(Chart.values(Chart.ValuesFile.DEFAULT));
    values.put("replicaCount", "2");
    LintResult result = Chart.lint(values, work);
    String messages = String.join("\n", result.getMessages());
    assertTrue(
        result.isFailed() && messages.contains("at '/replicaCount': got string, want integer"),
        messages);
  }
}
