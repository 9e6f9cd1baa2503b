"""Running syncs and everything that writes vendor data into the store."""
