"""The Pax8 simulator: python -m billingone.integrations.providers.pax8.simulator"""
