"""msgspec structs of the API (camelCase JSON), grouped by area."""
