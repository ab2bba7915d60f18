"""Static assets served under /static: the stylesheet, vendored htmx, the API reference viewer."""
