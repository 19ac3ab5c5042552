/**
 * The {@code provenance-client} command line: {@code whereis} for SWHIDs given as arguments or one
 * per line on standard input, in batches, with one-line errors and exit codes.
 */
package org.softwareheritage.provenance.client.cli;
