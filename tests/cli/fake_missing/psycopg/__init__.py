# Stands for a machine without the 'psycopg' package: importing it fails as it would there.
raise ImportError("No module named 'psycopg' (simulated by tests/cli/fake_missing)")
