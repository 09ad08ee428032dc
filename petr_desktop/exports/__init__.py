"""File exports (calendar, and later PDF, Excel, Word). Heavy libraries are imported lazily."""
