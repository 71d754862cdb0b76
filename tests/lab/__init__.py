"""Tests of the live lab (vpcsim.lab) and of the differential harness (vpcsim.fidelity)."""
