"""Framework-light helpers shared by the apps: crypto, env, logging, network."""
