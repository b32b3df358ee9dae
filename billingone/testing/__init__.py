"""Test helpers: personas across two organizations, route sweeps, browser and task helpers."""
