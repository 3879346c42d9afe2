"""The admin's settings pages (docs/admin.md)."""
