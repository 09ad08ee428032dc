"""Background work off the GUI thread, with results delivered on it (the only Qt below ui/)."""
