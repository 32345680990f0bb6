"""Background jobs a person started and waits for (the optimiser, large documents): status and result."""
