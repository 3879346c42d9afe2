# Stands for a machine without the 'redis' package: importing it fails as it would there.
raise ImportError("No module named 'redis' (simulated by tests/cli/fake_missing)")
