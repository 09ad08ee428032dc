"""Qt user interface: windows, pages, dialogs, widgets and item models (French labels)."""
