"""Preservation: E-ARK CSIP information packages (METS, PREMIS), fixity manifests and the audit log, backups, long-term validation renewal. Imports common, sign, describe, scan."""
