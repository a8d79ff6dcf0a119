"""The training pages, one module per area; each module lists its own `urls`."""
