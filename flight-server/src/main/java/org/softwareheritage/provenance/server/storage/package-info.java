/**
 * How the bytes of a database live: the Parquet tables read with Arrow's dataset API ({@link
 * org.softwareheritage.provenance.server.storage.TableLoader}), and the serving state made of named
 * regions of bytes ({@link org.softwareheritage.provenance.server.storage.RegionStore}), in native
 * memory or in the memory-mapped files of an index directory ({@link
 * org.softwareheritage.provenance.server.storage.IndexDirectory}, its format, checksums and atomic
 * builds).
 */
package org.softwareheritage.provenance.server.storage;
