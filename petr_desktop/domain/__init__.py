"""Domain: SQLModel tables, enums and pure rules. No I/O, no Qt."""
