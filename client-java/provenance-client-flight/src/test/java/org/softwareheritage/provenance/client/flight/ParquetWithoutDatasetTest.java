package org.softwareheritage.provenance.client.flight;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * arrow-dataset is an optional dependency: without it on the class path, saving Parquet fails at
 * once with a message naming it, before any call (no server is needed to show it).
 */
class ParquetWithoutDatasetTest {
  private static final String FLIGHT_CLIENT_PACKAGE =
      ProvenanceFlightClient.class.getPackageName() + ".";

  @TempDir Path directory;

  /** Loads this library's classes itself, and finds nothing of Arrow's dataset module. */
  private static final class WithoutDataset extends ClassLoader {
    WithoutDataset(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("org.apache.arrow.dataset.")) {
        throw new ClassNotFoundException(name);
      }
      if (!name.startsWith(FLIGHT_CLIENT_PACKAGE)) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> loaded = findLoadedClass(name);
        if (loaded == null) {
          try (InputStream bytes =
              getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
            if (bytes == null) {
              throw new ClassNotFoundException(name);
            }
            byte[] code = bytes.readAllBytes();
            loaded = defineClass(name, code, 0, code.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return loaded;
      }
    }
  }

  @Test
  void savingParquetNamesTheMissingDependency() throws Exception {
    ClassLoader loader = new WithoutDataset(getClass().getClassLoader());
    Class<?> clientClass = loader.loadClass(ProvenanceFlightClient.class.getName());
    Class<?> queryClass = loader.loadClass(TableQuery.class.getName());
    Class<?> formatClass = loader.loadClass(FileFormat.class.getName());
    Object builder = clientClass.getMethod("builder").invoke(null);
    Object query = queryClass.getMethod("table", String.class).invoke(null, "nodes");
    Object parquet = formatClass.getField("PARQUET").get(null);
    Path file = directory.resolve("nodes.parquet");
    builder.getClass().getMethod("target", String.class).invoke(builder, "127.0.0.1:1");
    try (AutoCloseable client =
        (AutoCloseable) builder.getClass().getMethod("build").invoke(builder)) {
      InvocationTargetException failure =
          assertThrows(
              InvocationTargetException.class,
              () ->
                  clientClass
                      .getMethod("save", queryClass, Path.class, formatClass)
                      .invoke(client, query, file, parquet));
      UnsupportedOperationException e =
          assertInstanceOf(UnsupportedOperationException.class, failure.getCause());
      assertTrue(e.getMessage().contains("org.apache.arrow:arrow-dataset"), e.getMessage());
    }
    assertFalse(file.toFile().exists());
  }
}
