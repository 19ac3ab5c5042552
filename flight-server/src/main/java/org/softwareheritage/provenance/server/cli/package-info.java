/**
 * The {@code provenance-server} command line (picocli): serve, index, verify, health and the
 * database generators, with one-line errors and meaningful exit codes.
 */
package org.softwareheritage.provenance.server.cli;
