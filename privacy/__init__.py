"""Data protection: contacts' data exports and erasure (GDPR Art. 15, 17, 20), message retention."""
