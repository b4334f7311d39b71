"""Fixtures that start the gateway emulator on loopback (filled in with the emulator)."""
