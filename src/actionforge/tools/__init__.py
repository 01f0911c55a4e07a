"""Operations to tool definitions: JSON Schema conversion, names and dialects."""
