package org.softwareheritage.provenance.deployment;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Settings that cannot work together stop the render with a message saying which and why (the type
 * of each setting is values.schema.json's: {@link ChartSchemaTest}).
 */
class ChartValidationTest {
  static Stream<Arguments> inconsistentSettings() {
    return Stream.of(
        Arguments.of(
            Map.of("resources.limits.memory", "4Gi"),
            "resources.requests.memory must equal resources.limits.memory"),
        Arguments.of(
            Map.of("resources.limits.memory", "", "resources.requests.memory", ""),
            "resources.limits.memory is required"),
        Arguments.of(
            Map.of("jvm.heapPercent", "30"),
            "jvm.heapPercent + jvm.directMemoryPercent must leave at least 10%"),
        Arguments.of(Map.of("database.pvc.claimName", ""), "database.pvc.claimName is required"),
        Arguments.of(
            Map.of("database.source", "objectStorage"),
            "database.objectStorage.remote is required"),
        Arguments.of(
            Map.of("server.terminationGracePeriodSeconds", "35"),
            "server.terminationGracePeriodSeconds must exceed server.preStopSleepSeconds +"
                + " server.drainTimeout"),
        Arguments.of(
            Map.of("ingress.enabled", "true", "server.maxCallTime", "PT2M"),
            "ingress.timeoutSeconds must exceed server.maxCallTime"));
  }

  @ParameterizedTest
  @MethodSource("inconsistentSettings")
  void failsNamingTheSetting(Map<String, Object> overrides, String message) {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> Chart.render(List.of(), overrides));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
