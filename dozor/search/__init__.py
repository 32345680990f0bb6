"""Full-text search across the apps (docs/decisions/0032-full-text-search.md)."""
