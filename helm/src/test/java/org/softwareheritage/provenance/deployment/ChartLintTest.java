package org.softwareheritage.provenance.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code helm lint --strict} and {@code helm template} pass for every values file shipped with the
 * chart.
 */
class ChartLintTest {
  @ParameterizedTest
  @EnumSource(Chart.ValuesFile.class)
  void lintsStrictly(Chart.ValuesFile values, @TempDir Path work) {
    LintResult result = Chart.lint(values, work);
    assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
  }

  @ParameterizedTest
  @EnumSource(Chart.ValuesFile.class)
  void rendersEveryKind(Chart.ValuesFile values) {
    List<Object> kinds = Chart.render(values).kinds();
    List<Object> expected =
        switch (values) {
          case DEFAULT ->
              List.of("PodDisruptionBudget", "ConfigMap", "ConfigMap", "Service", "Deployment");
          case STAGING ->
              List.of(
                  "PodDisruptionBudget",
                  "ConfigMap",
                  "ConfigMap",
                  "Service",
                  "Deployment",
                  "Ingress",
                  "PrometheusRule",
                  "ServiceMonitor");
          case PRODUCTION ->
              List.of(
                  "PodDisruptionBudget",
                  "ConfigMap",
                  "ConfigMap",
                  "Service",
                  "Deployment",
                  "HorizontalPodAutoscaler",
                  "Ingress",
                  "PrometheusRule",
                  "ServiceMonitor");
        };
    assertEquals(expected, kinds);
  }
}
